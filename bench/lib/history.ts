/**
 * Every run of the suite side by side (bench/history.ts): on this VM one run's ratio is good to
 * about ±7%, so a target within a few points of a run's figure reads met in some runs and missed
 * in others, and only the runs together say where Signet stands. The README's table of runs is
 * this module's output for the results in bench/results/ (a test checks it).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { markdownTable, pct } from "./format";
import { sustained } from "./load";
import { rateRun, type AlgorithmReport, type BenchReport, type SkeletonThroughput } from "./report";

/** The algorithms in the order of the tables, by the names the reports give them. */
const ALGORITHMS = ["RSA-2048 PKCS#1 v1.5", "RSA-2048 PSS", "ECDSA P-256", "Ed25519"] as const;
const SHORT: Record<(typeof ALGORITHMS)[number], string> = {
  "RSA-2048 PKCS#1 v1.5": "RSA",
  "RSA-2048 PSS": "PSS",
  "ECDSA P-256": "P-256",
  Ed25519: "Ed25519",
};

/** Whether a parsed results file is a full run of the suite (not a quick smoke, nor another tool's output). */
export function isSuiteRun(value: unknown): value is BenchReport {
  const report = value as Partial<BenchReport> | null;
  return !!report && Array.isArray(report.algorithms) && Array.isArray(report.targets) && report.settings?.quick === false;
}

/** The full suite runs among the results files of a folder (bench/results/), in no particular order. */
export function readSuiteRuns(dir: string): BenchReport[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .map((name) => JSON.parse(readFileSync(join(dir, name), "utf8")) as unknown)
    .filter(isSuiteRun);
}

/** "2026-12-02 11:59", marked when its ratios divide by the C run of the suite's first minutes. */
function runName(report: BenchReport): string {
  const when = report.date.slice(0, 16).replace("T", " ");
  return report.algorithms.every((a) => a.physical.aroundHttp) ? when : `${when} †`;
}

function algorithm(report: BenchReport, name: string): AlgorithmReport | undefined {
  return report.algorithms.find((a) => a.name === name);
}

/** The p99 of an algorithm's run at half its maximum, marked when the server did not keep up. */
function halfLoadP99(a: AlgorithmReport | undefined): string {
  const run = a && rateRun(a, 0.5);
  if (!run) return "–";
  return `${run.result.latencyMs.p99.toFixed(1)} ms${sustained(run.result) ? "" : " (not sustained)"}`;
}

const percentOrDash = (value: number | undefined) => (value === undefined ? "–" : pct(value));

/** One row a run, oldest first: Signet's ratios to the physical limit and the run's other verdicts. */
export function runsTable(reports: BenchReport[]): string {
  const rows = sorted(reports).map((report) => [
    runName(report),
    report.machine.stealPercent === undefined ? "–" : `${report.machine.stealPercent}%`,
    ...ALGORITHMS.map((name) => percentOrDash(algorithm(report, name)?.best.toPhysical)),
    percentOrDash(report.batch?.toPhysical),
    pct(report.auditCost.cost),
    halfLoadP99(algorithm(report, "ECDSA P-256")),
    halfLoadP99(algorithm(report, "RSA-2048 PKCS#1 v1.5")),
    `${report.peakRssMb} MB`,
    `${report.startup.firstSignatureMs} / ${report.startup.restartFirstSignatureMs} ms`,
  ]);
  const head = ["run (UTC)", "steal", ...ALGORITHMS.map((name) => SHORT[name]), "batchSign", "audit cost", "P-256 p99 at 50%", "RSA p99 at 50%", "peak RSS", "first start / restart"];
  return markdownTable(head, rows);
}

/** "54% / 45%": the skeleton's share of the physical limit, then the one with the API's work. */
function skeletons(minimal: SkeletonThroughput | undefined, api: SkeletonThroughput | undefined): string {
  if (!minimal && !api) return "–";
  return api ? `${percentOrDash(minimal?.toPhysical)} / ${pct(api.toPhysical)}` : percentOrDash(minimal?.toPhysical);
}

/** Before ae90d27 the skeleton's Workers spent work calibrated from a C run instead of signing. */
function calibrated(report: BenchReport): boolean {
  return report.algorithms.some((a) => a.skeleton && !a.skeleton.mechanism);
}

/**
 * One row a run that measured the skeletons: what the parts reached with no Signet code, as a
 * share of the physical limit, between the same C runs as Signet's stage.
 */
export function skeletonsTable(reports: BenchReport[]): string {
  const rows = sorted(reports)
    .filter((report) => report.algorithms.some((a) => a.skeleton) || report.batch?.skeleton)
    .map((report) => [
      calibrated(report) ? `${runName(report)} (calibrated work)` : runName(report),
      ...ALGORITHMS.map((name) => {
        const a = algorithm(report, name);
        return skeletons(a?.skeleton, a?.apiSkeleton);
      }),
      skeletons(report.batch?.skeleton, report.batch?.apiSkeleton),
    ]);
  return markdownTable(["run (UTC)", ...ALGORITHMS.map((name) => SHORT[name]), "batchSign"], rows);
}

function sorted(reports: BenchReport[]): BenchReport[] {
  return [...reports].sort((a, b) => a.date.localeCompare(b.date));
}
