/**
 * The bench report's readings of a run (bench/lib/report.ts, load.ts, targets.ts): a fixed-rate
 * run that left a backlog is marked, a load is judged against the C runs made around it, and a
 * missed target is judged within reach, at the edge or out of reach by the same rule as before.
 */
import { describe, expect, test } from "bun:test";
import type { LoadResult } from "../../bench/lib/load";
import { sustained } from "../../bench/lib/load";
import type { NativeResult } from "../../bench/lib/native";
import { bestLoad, driftAround, limitAround, markdown, p99Text, type BatchReport, type BenchReport, type MeasuredLoad, type Target } from "../../bench/lib/report";
import { n } from "../../bench/lib/format";
import { loadsTable } from "../../bench/lib/loads-table";
import { evaluate, reach, REACH_EDGE } from "../../bench/lib/targets";
import { compareReports } from "../../bench/lib/compare";
import { BUN, ROOT } from "../support/server";

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

describe("the targets' verdicts", () => {
  test("a met target is only met; one the skeleton met is Signet's miss, whatever the estimates say", () => {
    expect(reach(true, true, 0.5)).toEqual({});
    expect(reach(false, true, -0.1)).toEqual({});
    expect(reach(false, true, 0)).toEqual({});
  });

  test("one an estimate rules out, and the skeleton did not meet, is out of reach", () => {
    expect(reach(false, true, undefined)).toEqual({ outOfReach: true });
    expect(reach(false, true, 0.01)).toEqual({ outOfReach: true });
  });

  test("otherwise the skeleton decides: met by it → Signet's miss; missed by at most REACH_EDGE → at the edge; by more → out of reach", () => {
    expect(reach(false, false, undefined)).toEqual({});
    expect(reach(false, false, -0.11)).toEqual({});
    expect(reach(false, false, 0)).toEqual({});
    expect(reach(false, false, REACH_EDGE)).toEqual({ atEdge: true });
    expect(reach(false, false, 0.01)).toEqual({ atEdge: true });
    expect(reach(false, false, REACH_EDGE + 0.001)).toEqual({ outOfReach: true });
  });

  // A committed run with one target's skeletons set: the minimal one at 95% of C, and the one
  // with the API's work at `apiShare` (none when undefined). The verdict as [met, out of reach,
  // at the edge, the API skeleton named in the measured text].
  type WithSkeletons = Pick<BatchReport, "skeleton" | "apiSkeleton">;
  function withSkeletons<T extends WithSkeletons>(part: T, apiShare: number | undefined): T {
    const skeleton = { ...part.skeleton!, toPhysical: 0.95 };
    return { ...part, skeleton, ...(apiShare === undefined ? {} : { apiSkeleton: { ...skeleton, toPhysical: apiShare } }) };
  }
  const verdictOf = (target: Target) => [target.met, target.outOfReach ?? false, target.atEdge ?? false, target.measured.includes("with the API's own work")];

  test("a throughput target's reach is decided by the skeleton with the API's work when the run has it", async () => {
    const report = (await Bun.file(`${ROOT}/bench/results/2026-12-02.json`).json()) as BenchReport;
    expect(report.algorithms[0]!.name).toBe("RSA-2048 PKCS#1 v1.5");
    const rsa = (apiShare: number | undefined) =>
      verdictOf(evaluate({ ...report, algorithms: report.algorithms.map((a, i) => (i === 0 ? withSkeletons(a, apiShare) : a)), targets: [] })[0]!);
    const batch = (apiShare: number | undefined) =>
      verdictOf(evaluate({ ...report, batch: withSkeletons(report.batch!, apiShare), targets: [] }).find((t) => t.name.startsWith("batchSign"))!);
    for (const [verdict, wanted] of [[rsa, 0.85], [batch, 0.9]] as const) {
      // The parts alone met the target: without the API skeleton the miss is Signet's.
      expect(verdict(undefined)).toEqual([false, false, false, false]);
      // The same request's API work fell short by more than the edge: out of reach; by less: at the edge; met: Signet's miss.
      expect(verdict(wanted - 0.1)).toEqual([false, true, false, true]);
      expect(verdict(wanted - 0.03)).toEqual([false, false, true, true]);
      expect(verdict(wanted + 0.02)).toEqual([false, false, false, true]);
    }
  });

  test("a committed run's targets are judged again as that run judged them", async () => {
    const report = (await Bun.file(`${ROOT}/bench/results/2026-12-02.json`).json()) as BenchReport;
    expect(evaluate({ ...report, targets: [] })).toEqual(report.targets);
    expect(report.targets.map((t) => [t.met, t.outOfReach ?? false, t.atEdge ?? false])).toEqual([
      [false, false, false], // RSA PKCS#1 v1.5: the skeleton met 85%, Signet did not
      [false, true, false],
      [false, true, false],
      [false, true, false],
      [false, false, true], // batchSign: the skeleton at 87% of 90%
      [false, true, false],
      [false, true, false],
      [false, true, false],
      [true, false, false],
      [true, false, false],
      [true, false, false],
    ]);
  });
});

describe("where the CPU goes", () => {
  test("each algorithm's row gives the signing Workers' share of a request's CPU, the load generator's included", async () => {
    const report = (await Bun.file(`${ROOT}/bench/results/2026-12-02.json`).json()) as BenchReport;
    const rsa = bestLoad(report.algorithms[0]!.http);
    const c = rsa.cpuMicrosPerRequest;
    const share = Math.round((c.signing / (c.main + c.signing + c.audit + c.runtime + c.generator)) * 100);
    expect(share).toBe(78);
    expect(markdown(report)).toContain("| 602.9 | 60.7 | 47.1 | 14.5 | 52.3 | 777.5 | 78% | 2,572/s |");
    // The HTTP floor signs nothing: no share.
    expect(markdown(report)).toMatch(/\| HTTP floor \(wrk\) \| – \| – \| 0 \| 16 \| 0 \| 0\.5 \| 10\.8 \| 27\.3 \| – \| 73,260\/s \|/);
  });
});

describe("every load as measured (bench/lib/loads-table.ts)", () => {
  test("each of a committed run's loads is a row with its rate, p50, p90, p99, max, the server's CPU and RSS and the generator's CPU", async () => {
    const report = (await Bun.file(`${ROOT}/bench/results/2026-12-02.json`).json()) as BenchReport;
    const rows = loadsTable(report).split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| stage"));
    // The floor's two generators; per algorithm the pool, two generators, two signing rates and their
    // controls; batchSign (one generator recorded in this run); three connection counts.
    expect(rows.length).toBe(2 + report.algorithms.length * 7 + 1 + 3);
    const rsa = report.algorithms[0]!;
    const wrk = rsa.http.wrk!;
    const { p50, p90, p99, max } = wrk.latencyMs;
    expect(rows).toContain(
      `| ${rsa.name} | synchronousSign, saturation | wrk | ${n(wrk.requestsPerSecond)} req/s | ${p50} | ${p90} | ${p99} | ${max} | ${wrk.serverCores} | ${wrk.serverPeakRssMb} MB | ${wrk.generatorCores} | ${wrk.stealPercent}% | 0 |`,
    );
    const ed80 = report.algorithms[3]!.latencyUnderLoad.find((l) => l.share === 0.8)!;
    expect(rows.find((row) => row.includes("Ed25519 | synchronousSign, 80% of the maximum"))).toContain(`(not sustained: ${Math.round(ed80.result.drainMs!)} ms of backlog) | ${ed80.result.latencyMs.p50} |`);
    expect(markdown(report)).toContain(loadsTable(report));
  });
});

describe("two runs side by side (bench/compare.ts)", () => {
  const read = async (name: string) => (await Bun.file(`${ROOT}/bench/results/${name}`).json()) as BenchReport;

  test("each algorithm's rate, ratios, CPU and tail, with a ratio's change marked when the C runs drifted more", async () => {
    const text = compareReports(await read("2026-12-02-2002.json"), await read("2026-12-02.json"));
    expect(text).toContain("| RSA-2048 PKCS#1 v1.5 over HTTP | 2,087/s (wrk) | 2,486/s (autocannon) | +19.1% |");
    // 75% → 78% while the C loop around the HTTP runs moved by up to 16%: not a finding.
    expect(text).toContain("| RSA-2048 PKCS#1 v1.5 ÷ physical limit | 75% | 78% | +3.3% (within the drift, ±16%) |");
    expect(text).toContain("| ECDSA P-256 ÷ the skeleton | 60% | 65% | +8.1% |");
    expect(text).toContain("| ECDSA P-256, CPU µs a request: main / Workers / writer / runtime | 37.9 / 69.3 / 28.2 / 3.7 | 40.2 / 73.5 / 28.8 / 3.2 |  |");
    expect(text).toContain("| batchSign ÷ physical limit | 64% | 70% | +8.9% (within the drift, ±16%) |");
    expect(text).toContain("| batchSign (64 P-256 per call) ÷ physical limit | ≥ 90% | **missed**, out of reach here | **missed**, at the edge of reach here |");
    // The earlier run had no concurrency stage: no row rather than a made-up one.
    expect(text).not.toContain("connections (Signet ÷ the skeleton)");
  });

  test("the command prints it for two result files", async () => {
    const proc = Bun.spawn([BUN, "bench/compare.ts", "bench/results/2026-12-02-2002.json", "bench/results/2026-12-02.json"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(code).toBe(0);
    expect(out).toContain("- before: 2026-12-02 20:02 UTC");
    expect(out).toContain("- after: 2026-12-02 23:35 UTC");
    const usage = Bun.spawnSync([BUN, "bench/compare.ts"], { cwd: ROOT });
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr.toString()).toContain("usage: bun bench/compare.ts <before.json> <after.json>");
  });
});
