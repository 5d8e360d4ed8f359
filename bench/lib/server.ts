/** Starts the Signet server for a bench run (port 0; the URL comes from its "listening" line). */
import { resolve } from "node:path";
import type { Subprocess } from "bun";
import { DEFAULT_JSC_RAM_BYTES, JSC_RAM_SIZE_VARIABLE } from "../../src/platform/heap-sizing";

export const ROOT = resolve(import.meta.dir, "../..");

export interface BenchServer {
  url: string;
  pid: number;
  process: Subprocess;
  /** performance.now() when the process was spawned. */
  spawnedAt: number;
  startupMs: number;
  /** The server's own account of its start, from the "listening" line: module loading, then each step. */
  startupPhasesMs: Record<string, number>;
  stop(): Promise<void>;
}

export async function startServer(dataDir: string, apiKey: string, env: Record<string, string> = {}): Promise<BenchServer> {
  const started = performance.now();
  const proc = Bun.spawn([process.execPath, "src/main.ts"], {
    cwd: ROOT,
    // As `npm run serve` starts it: JavaScriptCore told how much RAM to size its heaps for.
    env: {
      ...process.env,
      [JSC_RAM_SIZE_VARIABLE]: process.env[JSC_RAM_SIZE_VARIABLE] || String(DEFAULT_JSC_RAM_BYTES),
      SIGNET_PORT: "0",
      SIGNET_DATA_DIR: dataDir,
      SIGNET_BOOTSTRAP_API_KEY: apiKey,
      ...env,
    },
    stdout: "pipe",
    stderr: "inherit",
  });
  const { url, seen } = await listeningUrl(proc.stdout, /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"listening"/, "the server");
  const startupMs = Math.round(performance.now() - started);
  const listening = seen.split("\n").find((line) => line.includes('"msg":"listening"'));
  const startupPhasesMs = (listening ? JSON.parse(listening).startupPhasesMs : null) ?? {};
  return {
    url,
    pid: proc.pid,
    process: proc,
    spawnedAt: started,
    startupMs,
    startupPhasesMs,
    stop: async () => {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

/**
 * Reads a child's output until `pattern` (its first group: the URL) appears, and keeps draining
 * it afterwards so that the child never blocks on a full pipe.
 */
export async function listeningUrl(stdout: ReadableStream<Uint8Array>, pattern: RegExp, name: string): Promise<{ url: string; seen: string }> {
  const reader = stdout.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  let url = "";
  while (!url) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`${name} exited before listening:\n${seen}`);
    seen += decoder.decode(value, { stream: true });
    url = pattern.exec(seen)?.[1] ?? "";
  }
  void (async () => {
    while (!(await reader.read()).done) {}
  })();
  return { url, seen };
}
