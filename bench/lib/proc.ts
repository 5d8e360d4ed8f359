/** CPU time and memory of a process, read from /proc (Linux). */
import { readFileSync } from "node:fs";
import { cpus } from "node:os";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU seconds the process has used so far (all its threads). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Peak resident set size in MB since the process started (VmHWM). */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Math.round(Number(match[1]) / 1024) : 0;
}

/** Resets the peak RSS counter so that the next reading covers what follows only. */
export function resetPeakRss(pid: number): void {
  try {
    Bun.write(`/proc/${pid}/clear_refs`, "5");
  } catch {
    // not permitted: the peak then covers the whole life of the process
  }
}

export function coreCount(): number {
  return cpus().length;
}

export function cpuModel(): string {
  return cpus()[0]?.model.trim() ?? "unknown";
}
