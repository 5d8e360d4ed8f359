/**
 * The physical limit: native/p11bench.c, compiled here with the machine's cc (never committed
 * as a binary), signing in a tight loop through the same module, token and key.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./server";

export interface NativeResult {
  mechanism: string;
  threads: number;
  perSecond: number;
  cpuSeconds: number;
  seconds: number;
  signatures: number;
}

export function compileNative(outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const binary = join(outDir, "p11bench");
  const built = Bun.spawnSync(["cc", "-O2", "-o", binary, join(ROOT, "native/p11bench.c"), "-ldl", "-lpthread"], { stderr: "pipe" });
  if (built.exitCode !== 0 || !existsSync(binary)) throw new Error(`cc failed: ${built.stderr.toString()}`);
  return binary;
}

export interface NativeTarget {
  binary: string;
  modulePath: string;
  tokenLabel: string;
  pin: string;
  softhsmConf: string;
}

export function runNative(target: NativeTarget, keyLabel: string, mechanism: string, threads: number, seconds: number): NativeResult {
  const run = Bun.spawnSync(
    [target.binary, target.modulePath, target.tokenLabel, keyLabel, mechanism, String(threads), String(seconds)],
    { env: { ...process.env, SOFTHSM2_CONF: target.softhsmConf, P11BENCH_PIN: target.pin }, stdout: "pipe", stderr: "pipe" },
  );
  if (run.exitCode !== 0) throw new Error(`p11bench ${mechanism} failed: ${run.stderr.toString()}`);
  return JSON.parse(run.stdout.toString()) as NativeResult;
}
