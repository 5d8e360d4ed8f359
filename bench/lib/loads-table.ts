/**
 * Every load of a run as it was measured: rate, p50, p90, p99 and max latency, the server's CPU
 * and peak RSS, the load generator's CPU, the VM's steal and the failed requests. The other
 * tables of the report pick one figure from each load; this one is what they were picked from,
 * so that a reader can check a ratio against the run it came from.
 */
import { n } from "./format";
import { sustained, type LoadResult } from "./load";
import type { PoolResult } from "./pool";
import type { BenchReport, MeasuredLoad } from "./report";

const HEADER = [
  "Every load as measured (latencies in ms, server CPU in cores; \"–\" where a stage does not measure it: the pool runs inside the bench's own process, the trivial route's fixed-rate runs are controls read from the load generator alone, and results before 2026-12-03 lack the signing route's fixed-rate server figures and batchSign's second generator):",
  "",
  "| stage | load | generator | rate | p50 | p90 | p99 | max | server CPU | server peak RSS | generator CPU | VM steal | failed |",
  "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
];

/** One row's columns after the stage's name and load. */
interface Row {
  generator: string;
  rate: string;
  latencyMs: LoadResult["latencyMs"];
  serverCores?: number;
  serverPeakRssMb?: number;
  generatorCores?: number;
  stealPercent?: number;
  failed?: number;
}

function line(stage: string, load: string, row: Row): string {
  const opt = (value: number | undefined, unit = "") => (value === undefined ? "–" : `${value}${unit}`);
  const { p50, p90, p99, max } = row.latencyMs;
  return `| ${stage} | ${load} | ${row.generator} | ${row.rate} | ${p50} | ${p90} | ${p99} | ${max} | ${opt(row.serverCores)} | ${opt(row.serverPeakRssMb, " MB")} | ${opt(row.generatorCores)} | ${opt(row.stealPercent, "%")} | ${opt(row.failed)} |`;
}

function measured(load: MeasuredLoad, unit = "req"): Row {
  return {
    generator: load.generator,
    rate: `${n(load.requestsPerSecond)} ${unit}/s`,
    latencyMs: load.latencyMs,
    serverCores: load.serverCores,
    serverPeakRssMb: load.serverPeakRssMb,
    generatorCores: load.generatorCores,
    stealPercent: load.stealPercent,
    failed: load.non2xx + load.errors,
  };
}

/** A fixed-rate run: the signing route's measured as the saturating loads since 2026-12-03, its control plain. */
function rated(result: LoadResult | MeasuredLoad, stealPercent?: number): Row {
  const backlog = sustained(result) ? "" : ` (not sustained: ${Math.round(result.drainMs ?? 0)} ms of backlog)`;
  const rate = `${n(result.requestsPerSecond)} req/s${backlog}`;
  if ("serverCores" in result) return { ...measured(result), rate };
  return {
    generator: result.generator,
    rate,
    latencyMs: result.latencyMs,
    generatorCores: result.generatorCores,
    ...(stealPercent === undefined ? {} : { stealPercent }),
    failed: result.non2xx + result.errors,
  };
}

function pooled(pool: PoolResult): Row {
  return { generator: "in process", rate: `${n(pool.perSecond)} signatures/s`, latencyMs: pool.latencyMs, serverCores: pool.cpuCores };
}

export function loadsTable(report: BenchReport): string {
  const rows = [...HEADER];
  const both = (stage: string, load: string, loads: { wrk?: MeasuredLoad; autocannon: MeasuredLoad }, unit?: string) => {
    if (loads.wrk) rows.push(line(stage, load, measured(loads.wrk, unit)));
    rows.push(line(stage, load, measured(loads.autocannon, unit)));
  };
  both("HTTP floor (GET /v1/versionInfo)", "saturation", report.floor);
  for (const a of report.algorithms) {
    rows.push(line(a.name, "pool, no HTTP, saturation", pooled(a.pool)));
    both(a.name, "synchronousSign, saturation", a.http);
    for (const l of a.latencyUnderLoad) {
      rows.push(line(a.name, `synchronousSign, ${l.share * 100}% of the maximum`, rated(l.result, l.stealPercent)));
      rows.push(line(a.name, `the trivial route at the same rate`, rated(l.floorAtSameRate)));
    }
  }
  const batch = report.batch;
  if (batch?.loads) both(`batchSign, ${batch.items} P-256 a call`, "saturation", batch.loads, "calls");
  else if (batch) rows.push(line(`batchSign, ${batch.items} P-256 a call`, "saturation", { generator: batch.generator, rate: `${n(batch.requestsPerSecond)} calls/s`, latencyMs: batch.latencyMs }));
  for (const point of report.concurrency ?? []) {
    const { signet } = point;
    rows.push(line("ECDSA P-256", `synchronousSign, saturation, ${point.connections} connections`, {
      generator: signet.generator,
      rate: `${n(signet.requestsPerSecond)} req/s`,
      latencyMs: signet.latencyMs,
      serverCores: signet.serverCores,
    }));
  }
  return rows.join("\n");
}
