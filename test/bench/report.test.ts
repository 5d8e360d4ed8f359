/**
 * The bench report's readings of a run (bench/lib/report.ts, load.ts): a fixed-rate run that
 * left a backlog is marked, and a load is judged against the C runs made around it.
 */
import { describe, expect, test } from "bun:test";
import type { LoadResult } from "../../bench/lib/load";
import { sustained } from "../../bench/lib/load";
import type { NativeResult } from "../../bench/lib/native";
import { bestLoad, driftAround, limitAround, p99Text, type MeasuredLoad } from "../../bench/lib/report";

function rated(p99: number, drainMs: number | undefined): LoadResult {
  return { generator: "ratedload", requestsPerSecond: 1000, latencyMs: { p50: 1, p90: 2, p99, max: p99 }, non2xx: 0, errors: 0, total: 10000, generatorCores: 0.1, seconds: 10, drainMs };
}

function native(perSecond: number): NativeResult {
  return { mechanism: "ecdsa", threads: 2, perSecond, cpuSeconds: 10, seconds: 5, signatures: perSecond * 5, stealPercent: 0 };
}

describe("fixed-rate runs", () => {
  test("a run answered within its latency is sustained and its p99 printed as it is", () => {
    expect(sustained(rated(2.67, 1))).toBe(true);
    expect(p99Text(rated(2.67, 1))).toBe("2.67");
  });

  test("a run that left a backlog is marked with it; 500 ms is the bound", () => {
    expect(sustained(rated(2613.52, 2639.4))).toBe(false);
    expect(p99Text(rated(2613.52, 2639.4))).toBe("2613.52 (not sustained: 2639 ms of backlog)");
    expect(sustained(rated(400, 500))).toBe(true);
    expect(sustained(rated(400, 500.1))).toBe(false);
  });

  test("closed-loop results (no drain figure) count as sustained", () => {
    expect(sustained(rated(5, undefined))).toBe(true);
  });
});

describe("the physical limit around a load", () => {
  test("is the mean of the C runs before and after, and their drift is their gap over it", () => {
    const around = { before: native(23_810), after: native(32_938) };
    expect(limitAround(around)).toBe(28_374);
    expect(Math.round(driftAround(around) * 100)).toBe(32);
    expect(driftAround({ before: native(3_000), after: native(3_000) })).toBe(0);
  });
});

describe("the best of a stage's two generators", () => {
  const load = (generator: MeasuredLoad["generator"], requestsPerSecond: number): MeasuredLoad => ({
    ...rated(1, undefined), generator, requestsPerSecond, serverCores: 1, stealPercent: 0, serverPeakRssMb: 100, cpuMicrosPerRequest: { main: 1, signing: 0, audit: 0, runtime: 0, generator: 1 }, operationsPerBatch: null, recordsPerCommit: null,
  });

  test("is the faster one, wrk on a tie, autocannon when wrk is not installed", () => {
    expect(bestLoad({ wrk: load("wrk", 900), autocannon: load("autocannon", 1000) }).generator).toBe("autocannon");
    expect(bestLoad({ wrk: load("wrk", 1000), autocannon: load("autocannon", 900) }).generator).toBe("wrk");
    expect(bestLoad({ wrk: load("wrk", 1000), autocannon: load("autocannon", 1000) }).generator).toBe("wrk");
    expect(bestLoad({ autocannon: load("autocannon", 1000) }).generator).toBe("autocannon");
  });
});
