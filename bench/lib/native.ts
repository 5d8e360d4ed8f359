/**
 * The native helpers, compiled here with the machine's cc (never committed as binaries):
 * native/p11bench.c, the physical limit, signing in a tight loop through the same module, token
 * and key; native/ratedload.c, the open-loop generator for latency at a fixed request rate.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generatorCores, type LoadRequest, type LoadResult } from "./load";
import { machineTicks, stealPercent } from "./proc";
import { ROOT } from "./server";

export interface NativeResult {
  mechanism: string;
  threads: number;
  perSecond: number;
  cpuSeconds: number;
  seconds: number;
  signatures: number;
  /** The machine's CPU time stolen by the hypervisor during the run, in percent (proc.ts). */
  stealPercent: number;
}

function compile(outDir: string, name: string, libraries: string[]): string {
  mkdirSync(outDir, { recursive: true });
  const binary = join(outDir, name);
  const built = Bun.spawnSync(["cc", "-O2", "-o", binary, join(ROOT, `native/${name}.c`), ...libraries], { stderr: "pipe" });
  if (built.exitCode !== 0 || !existsSync(binary)) throw new Error(`cc ${name}.c failed: ${built.stderr.toString()}`);
  return binary;
}

/** CPU µs one signature cost the C program: its CPU seconds over its signatures. */
export function cpuMicrosPerSignature(result: NativeResult): number {
  return (result.cpuSeconds / Math.max(1, result.signatures)) * 1e6;
}

export function compileNative(outDir: string): string {
  return compile(outDir, "p11bench", ["-ldl", "-lpthread"]);
}

export function compileRatedLoad(outDir: string): string {
  return compile(outDir, "ratedload", []);
}

/** Latency at a fixed rate: `rate` requests a second, evenly spaced, for `seconds`. */
export async function ratedLoad(
  binary: string,
  request: LoadRequest,
  options: { connections: number; rate: number; seconds: number },
): Promise<LoadResult> {
  const url = new URL(request.url);
  const headers = { host: url.host, ...request.headers, ...(request.body ? { "content-length": String(Buffer.byteLength(request.body)) } : {}) };
  const raw = `${request.method} ${url.pathname}${url.search} HTTP/1.1\r\n${Object.entries(headers).map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n${request.body ?? ""}`;
  const file = join(binary, "..", `request-${process.pid}.http`);
  writeFileSync(file, raw);
  const proc = Bun.spawn([binary, url.hostname, url.port, String(options.connections), String(options.rate), String(options.seconds), file], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`ratedload failed (${code}): ${err.slice(0, 500)}`);
  const r = JSON.parse(out.trim()) as { due: number; completed: number; non2xx: number; errors: number; drainMs: number; p50: number; p90: number; p99: number; p999: number; max: number };
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    generator: "ratedload",
    requestsPerSecond: Math.round(r.completed / options.seconds),
    latencyMs: { p50: ms(r.p50), p90: ms(r.p90), p99: ms(r.p99), p999: ms(r.p999), max: ms(r.max) },
    non2xx: r.non2xx,
    errors: r.errors,
    total: r.completed,
    generatorCores: generatorCores(proc, options.seconds),
    seconds: options.seconds,
    drainMs: r.drainMs,
  };
}

export interface NativeTarget {
  binary: string;
  modulePath: string;
  tokenLabel: string;
  pin: string;
  /** The embedded token's SoftHSM configuration; null for an external token (the environment's applies). */
  softhsmConf: string | null;
}

/** The environment a process that loads the token's module starts with: SOFTHSM2_CONF must be there from the start (libc's getenv reads it). */
export function tokenEnv(softhsmConf: string | null, extra: Record<string, string>): Record<string, string | undefined> {
  return { ...process.env, ...(softhsmConf ? { SOFTHSM2_CONF: softhsmConf } : {}), ...extra };
}

export function runNative(target: NativeTarget, keyLabel: string, mechanism: string, threads: number, seconds: number): NativeResult {
  const ticks = machineTicks();
  const run = Bun.spawnSync(
    [target.binary, target.modulePath, target.tokenLabel, keyLabel, mechanism, String(threads), String(seconds)],
    { env: tokenEnv(target.softhsmConf, { P11BENCH_PIN: target.pin }), stdout: "pipe", stderr: "pipe" },
  );
  if (run.exitCode !== 0) throw new Error(`p11bench ${mechanism} failed: ${run.stderr.toString()}`);
  return { ...(JSON.parse(run.stdout.toString()) as Omit<NativeResult, "stealPercent">), stealPercent: stealPercent(ticks, machineTicks()) };
}
