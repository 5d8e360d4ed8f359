/** CPU time and memory of a process, read from /proc (Linux). */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU seconds the process has used so far (all its threads). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export interface ThreadCpu {
  tid: number;
  name: string;
  seconds: number;
}

/** CPU seconds of each thread of the process so far. */
export function threadCpu(pid: number): ThreadCpu[] {
  const threads: ThreadCpu[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      threads.push({ tid: Number(tid), name, seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND });
    } catch {
      // the thread ended meanwhile
    }
  }
  return threads.sort((a, b) => a.tid - b.tid);
}

/**
 * Waits until the process has at most `remaining` Worker threads (terminate() returns before
 * they exit), at most timeoutMs.
 */
export async function workersGone(pid: number, timeoutMs: number, remaining = 0): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (workerThreads(pid) > remaining && performance.now() < deadline) await Bun.sleep(5);
}

/** How many threads of the process are Bun Worker threads (named "Worker"). */
export function workerThreads(pid: number): number {
  return threadCpu(pid).filter((thread) => thread.name === "Worker").length;
}

/**
 * Where the server's CPU went between two threadCpu readings, in µs per request. The main
 * thread (tid = pid) runs HTTP, access control and the domain; the threads named "Worker" are,
 * in the order the server starts them, the signing Workers and then the audit writer. Bun runs
 * a native module's asynchronous work (pkcs11js C_SignAsync, used when a Worker holds more than
 * one session) on its "Bun Pool N" threads: that is signing too, and counted with the Workers.
 * The rest (JITWorker, HeapHelper, mi-scavenger, the GC's collector threads) is the runtime's.
 */
export function cpuPerRequest(
  pid: number,
  before: ThreadCpu[],
  after: ThreadCpu[],
  requests: number,
  signingWorkers: number,
): { main: number; signing: number; audit: number; runtime: number } {
  const spent = new Map(before.map((t) => [t.tid, t.seconds]));
  const per = (seconds: number) => Math.round((seconds / Math.max(1, requests)) * 1e6 * 10) / 10;
  let main = 0, signing = 0, audit = 0, runtime = 0, workerIndex = 0;
  for (const thread of after) {
    const used = thread.seconds - (spent.get(thread.tid) ?? 0);
    if (thread.tid === pid) main += used;
    else if (thread.name === "Worker") (workerIndex++ < signingWorkers ? (signing += used) : (audit += used));
    else if (thread.name.startsWith("Bun Pool")) signing += used;
    else runtime += used;
  }
  return { main: per(main), signing: per(signing), audit: per(audit), runtime: per(runtime) };
}

/** The machine's CPU time so far, all cores, in ticks: everything, what no thread used (idle and iowait) and what the hypervisor stole. */
export interface MachineTicks {
  total: number;
  idle: number;
  steal: number;
}

export function machineTicks(): MachineTicks {
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice
  const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: fields.reduce((sum, value) => sum + value, 0), idle: (fields[3] ?? 0) + (fields[4] ?? 0), steal: fields[7] ?? 0 };
}

/** The share of the machine's CPU time between two readings that went to `part`, in percent (one decimal). */
function sharePercent(before: MachineTicks, after: MachineTicks, part: "idle" | "steal"): number {
  const total = after.total - before.total;
  return total > 0 ? Math.round(((after[part] - before[part]) / total) * 1000) / 10 : 0;
}

/**
 * The share of the machine's CPU time the hypervisor gave to other guests between two
 * readings, in percent. On a shared VM it moves from 0 to 40% within minutes, and every other
 * figure with it: a run is only comparable with another taken at a similar steal.
 */
export function stealPercent(before: MachineTicks, after: MachineTicks): number {
  return sharePercent(before, after, "steal");
}

/**
 * Waits until the processes `pids` (the bench's servers) are quiet, so that a measurement's
 * window does not open on what the last load left: a load generator stops with requests in
 * flight, and the server goes on answering them. After 64 connections of batchSign (64 P-256
 * signatures a call) a server kept both cores busy for 0.4-0.7 s after its generator had
 * stopped (bench/NOTES.md); the next run, on it or on another server or the C program, would
 * have shared the cores with that. Quiet: together they used at most one tick (/proc counts
 * hundredths of a second), or a fifth of a core, in a window of `windowMs`. Only the bench's
 * own processes are watched, so that a machine busy with something else does not hold every
 * window back. Returns the milliseconds waited, and whether they went quiet before `timeoutMs`.
 */
export async function untilQuiet(pids: readonly number[], windowMs: number, timeoutMs = 10_000): Promise<{ waitedMs: number; quiet: boolean }> {
  const started = performance.now();
  const used = () => pids.reduce((sum, pid) => sum + processCpuSecondsOrZero(pid), 0);
  const allowed = Math.max(1 / TICKS_PER_SECOND, (windowMs / 1000) * 0.2);
  let before = used();
  while (performance.now() - started < timeoutMs) {
    await Bun.sleep(windowMs);
    const after = used();
    if (after - before <= allowed + 1e-9) return { waitedMs: Math.round(performance.now() - started), quiet: true };
    before = after;
  }
  return { waitedMs: Math.round(performance.now() - started), quiet: false };
}

/** cpuSeconds, or 0 for a process that has ended. */
function processCpuSecondsOrZero(pid: number): number {
  try {
    return cpuSeconds(pid);
  } catch {
    return 0;
  }
}

/** The share of the machine's CPU time no thread used between two readings (idle or waiting on I/O), in percent. */
export function idlePercent(before: MachineTicks, after: MachineTicks): number {
  return sharePercent(before, after, "idle");
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
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    // not permitted: the peak then covers the whole life of the process
  }
}

/**
 * A process's peak RSS stage by stage: each reading takes the high-water mark since the last
 * one and resets it, so that each stage's own peak is known and the run's peak is the highest
 * of them, with the name of the stage that reached it. Whatever runs between two labelled
 * readings (warm-ups, start-up) is read under the label given to the reading after it.
 */
export class PeakRssByStage {
  peakMb = 0;
  stage = "";

  constructor(private readonly pid: number) {}

  /** The peak since the last reading, counted as `stage`'s; resets the mark. */
  read(stage: string): number {
    const mb = peakRssMb(this.pid);
    if (mb > this.peakMb) {
      this.peakMb = mb;
      this.stage = stage;
    }
    resetPeakRss(this.pid);
    return mb;
  }
}

export function coreCount(): number {
  return cpus().length;
}

export function cpuModel(): string {
  return cpus()[0]?.model.trim() ?? "unknown";
}
