/**
 * bench/history.ts: every suite run in bench/results side by side. The README's table of runs
 * is its output, so that a run committed without the README (or a README figure edited by hand)
 * fails here.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isSuiteRun, readSuiteRuns, runsTable, skeletonsTable } from "../../bench/lib/history";
import type { BenchReport } from "../../bench/lib/report";
import { ROOT } from "../support/server";

const RESULTS = join(ROOT, "bench", "results");

const committedRuns = (): BenchReport[] => readSuiteRuns(RESULTS);

describe("the history of the suite's runs", () => {
  test("only full suite runs count: not a quick smoke, not another tool's results", () => {
    const run = committedRuns()[0]!;
    expect(isSuiteRun(run)).toBe(true);
    expect(isSuiteRun({ ...run, settings: { ...run.settings, quick: true } })).toBe(false);
    expect(isSuiteRun(JSON.parse(readFileSync(join(RESULTS, "2026-11-23-compat.json"), "utf8")))).toBe(false);
    expect(isSuiteRun(null)).toBe(false);
  });

  test("runs are listed oldest first, whatever their files' order; the run before the C runs around HTTP is marked", () => {
    const runs = committedRuns();
    const table = runsTable([...runs].reverse()).split("\n").slice(2);
    expect(table).toHaveLength(runs.length);
    const dates = table.map((row) => row.split(" | ")[0]!.slice(2, 18));
    expect(dates).toEqual([...dates].sort());
    expect(table[0]).toStartWith("| 2026-12-01 23:47 † |");
    expect(table.filter((row) => row.includes("†"))).toHaveLength(1);
  });

  test("a fixed-rate run that left a backlog is marked in the p99 columns", () => {
    const run = committedRuns().find((r) => r.date.startsWith("2026-12-03T17:04"))!;
    const p256 = run.algorithms.find((a) => a.name === "ECDSA P-256")!;
    const half = p256.latencyUnderLoad.find((l) => l.share === 0.5)!;
    const backlog = { ...run, algorithms: run.algorithms.map((a) => (a === p256 ? { ...a, latencyUnderLoad: [{ ...half, result: { ...half.result, drainMs: 2000 } }] } : a)) };
    expect(runsTable([backlog])).toContain(`| ${half.result.latencyMs.p99.toFixed(1)} ms (not sustained) |`);
  });

  test("skeletons: the one with the API's work beside the minimal one where the run had it; calibrated work marked", () => {
    const table = skeletonsTable(committedRuns());
    expect(table).toContain("| 2026-12-03 17:04 | 91% / 90% |");
    expect(table).toContain("| 2026-12-02 15:25 (calibrated work) |");
  });

  test("the README's tables of runs are bench/history.ts's output for the committed results", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const runs = committedRuns();
    for (const table of [runsTable(runs), skeletonsTable(runs)]) {
      if (!readme.includes(table)) {
        throw new Error(`README.md's section "Every run" is not bench/history.ts's output for bench/results/: a run was added or a figure edited. Paste the output of \`bun bench/history.ts\` there:\n${table}`);
      }
    }
  });
});
