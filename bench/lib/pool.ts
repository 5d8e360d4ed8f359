/**
 * The pool without HTTP: the Worker pool called in-process at saturation, on the signing fast
 * path the HTTP route uses (payload as base64, decoded in a Worker). Shows what the pool
 * itself costs over the physical limit, before HTTP, JSON and the load generator.
 */
import type { Signer } from "../../src/signer/signer";
import { percentile } from "./stats";

export interface PoolResult {
  perSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  cpuCores: number;
  operationsPerBatch: number;
}

export async function measurePool(
  signer: Signer,
  key: string,
  algorithm: string,
  payloadBase64: string,
  outstanding: number,
  seconds: number,
): Promise<PoolResult> {
  let stop = false;
  let measuring = false;
  const latencies: number[] = [];
  const lane = async () => {
    while (!stop) {
      const started = performance.now();
      await signer.signEncoded(key, algorithm, payloadBase64, { der: true, digest: false });
      if (measuring) latencies.push(performance.now() - started);
    }
  };
  const lanes = Array.from({ length: outstanding }, lane);
  // Half a second to fill the queues and the Workers' batches before the window opens (less in a run shorter than that).
  await Bun.sleep(Math.min(500, seconds * 1000));
  const before = signer.health().pool;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  measuring = true;
  await Bun.sleep(seconds * 1000);
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = process.cpuUsage();
  const after = signer.health().pool;
  stop = true;
  await Promise.all(lanes);
  latencies.sort((a, b) => a - b);
  return {
    perSecond: Math.round(latencies.length / elapsed),
    latencyMs: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: Math.round((latencies[latencies.length - 1] ?? 0) * 100) / 100,
    },
    cpuCores: Math.round(((cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1e6 / elapsed) * 100) / 100,
    operationsPerBatch: Math.round(((after.operations - before.operations) / Math.max(1, after.batches - before.batches)) * 10) / 10,
  };
}
