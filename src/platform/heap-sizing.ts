/**
 * How large JavaScriptCore lets its heaps grow before it collects.
 *
 * JSC sizes its garbage collector from the RAM it believes the machine has: the physical RAM,
 * not a container's memory limit. On the 24 GB bench VM that let the main thread's and the
 * Workers' heaps grow until Signet peaked at 205 MB under batch signing; told the machine
 * has 512 MiB, the same load peaked at 177-182 MB at the same throughput (bench/NOTES.md).
 * The variable must be in the environment before Bun starts (it is read when the first VM is
 * made), so `npm run serve` sets it unless it is already set, and the bench does the same;
 * the server only reports what it runs with.
 */
export const JSC_RAM_SIZE_VARIABLE = "BUN_JSC_forceRAMSize";

/** What `npm run serve` and the bench set when the variable is absent: 512 MiB. */
export const DEFAULT_JSC_RAM_BYTES = 536_870_912;

/** The RAM size JSC was told, in bytes; null when it sizes its heaps from the machine's RAM. */
export function jscRamBytes(env: Record<string, string | undefined> = process.env): number | null {
  const value = Number(env[JSC_RAM_SIZE_VARIABLE]);
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}
