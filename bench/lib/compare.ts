/**
 * Two suite runs side by side (bench/compare.ts): what a lever or a commit changed, read
 * against how far the machine itself moved. On the project's VM the C loop alone moves by
 * 10-25% within a minute, so a run's ratios carry that noise; each run measures its own (the C
 * runs just before and after each HTTP stage), and a change smaller than the larger of the two
 * runs' drifts is marked "within the drift": one pair of runs cannot tell it from the machine.
 */
import { markdownTable, n, pct } from "./format";
import {
  bestLoad,
  driftAround,
  rateRun,
  signetToSkeleton,
  targetVerdict,
  tokenOf,
  type AlgorithmReport,
  type BenchReport,
  type MeasuredLoad,
  type PhysicalAround,
} from "./report";

/** after ÷ before − 1, as a signed percentage; "–" when either is missing or before is 0. */
function change(before: number | undefined, after: number | undefined): string {
  if (before === undefined || after === undefined || before === 0) return "–";
  const relative = after / before - 1;
  return `${relative >= 0 ? "+" : ""}${(relative * 100).toFixed(1)}%`;
}

/** A relative change of a ratio to the physical limit, marked when it is within the C runs' own drift. */
function ratioChange(before: number, after: number, drift: number | undefined): string {
  const text = change(before, after);
  if (drift === undefined || before === 0) return text;
  return Math.abs(after / before - 1) < drift ? `${text} (within the drift, ±${Math.round(drift * 100)}%)` : text;
}

/** The larger drift of the C runs around the same stage of the two runs; undefined when either run lacks them. */
function driftOfBoth(before: PhysicalAround | undefined, after: PhysicalAround | undefined): number | undefined {
  return before && after ? Math.max(driftAround(before), driftAround(after)) : undefined;
}

function cpuText(parts: MeasuredLoad["cpuMicrosPerRequest"] | undefined): string {
  return parts ? `${parts.main} / ${parts.signing} / ${parts.audit} / ${parts.runtime}` : "–";
}

function halfLoadP99(a: AlgorithmReport): number | undefined {
  return rateRun(a, 0.5)?.result.latencyMs.p99;
}

function header(report: BenchReport, name: string): string {
  return `- ${name}: ${report.date.slice(0, 16).replace("T", " ")} UTC, ${report.machine.cores}-core ${report.machine.model}, VM steal ${report.machine.stealPercent ?? "–"}%, ${tokenOf(report).description}, ${report.settings.seconds} s a measurement${report.settings.quick ? " (a quick run: its figures are not for comparing)" : ""}`;
}

/** The Markdown comparison of two runs, `before` and `after`. */
export function compareReports(before: BenchReport, after: BenchReport): string {
  const rows: string[][] = [];
  const row = (measure: string, b: string, a: string, delta = "") => rows.push([measure, b, a, delta]);
  // Signet's share of what each skeleton allowed (the parts alone, then with the API's own work), before and after.
  type WithSkeletons = Pick<AlgorithmReport, "skeleton" | "apiSkeleton">;
  const skeletonRows = <R extends WithSkeletons>(name: string, theirs: R, mine: R, toPhysical: (report: R) => number) => {
    for (const [label, pick] of [["the skeleton", (r: R) => r.skeleton], ["the skeleton with the API's work", (r: R) => r.apiSkeleton]] as const) {
      const skeletonBefore = pick(theirs);
      const skeletonAfter = pick(mine);
      if (!skeletonBefore || !skeletonAfter) continue;
      const b = signetToSkeleton(toPhysical(theirs), skeletonBefore);
      const a = signetToSkeleton(toPhysical(mine), skeletonAfter);
      row(`${name} ÷ ${label}`, pct(b), pct(a), change(b, a));
    }
  };

  for (const mine of after.algorithms) {
    const theirs = before.algorithms.find((a) => a.name === mine.name);
    if (!theirs) continue;
    const drift = driftOfBoth(theirs.physical.aroundHttp, mine.physical.aroundHttp);
    row(`${mine.name} over HTTP`, `${n(theirs.best.perSecond)}/s (${theirs.best.generator})`, `${n(mine.best.perSecond)}/s (${mine.best.generator})`, change(theirs.best.perSecond, mine.best.perSecond));
    row(`${mine.name} ÷ physical limit`, pct(theirs.best.toPhysical), pct(mine.best.toPhysical), ratioChange(theirs.best.toPhysical, mine.best.toPhysical, drift));
    skeletonRows(mine.name, theirs, mine, (report) => report.best.toPhysical);
    row(`${mine.name}, CPU µs a request: main / Workers / writer / runtime`, cpuText(bestLoad(theirs.http).cpuMicrosPerRequest), cpuText(bestLoad(mine.http).cpuMicrosPerRequest));
    const p99Before = halfLoadP99(theirs);
    const p99After = halfLoadP99(mine);
    row(`${mine.name} p99 at 50% load`, p99Before === undefined ? "–" : `${p99Before} ms`, p99After === undefined ? "–" : `${p99After} ms`, change(p99Before, p99After));
  }

  if (before.batch && after.batch) {
    const drift = driftOfBoth(before.batch.physicalAround, after.batch.physicalAround);
    row("batchSign, signatures/s", `${n(before.batch.signaturesPerSecond)}/s`, `${n(after.batch.signaturesPerSecond)}/s`, change(before.batch.signaturesPerSecond, after.batch.signaturesPerSecond));
    row("batchSign ÷ physical limit", pct(before.batch.toPhysical), pct(after.batch.toPhysical), ratioChange(before.batch.toPhysical, after.batch.toPhysical, drift));
    skeletonRows("batchSign", before.batch, after.batch, (report) => report.toPhysical);
    row("batchSign, CPU µs a call: main / Workers / writer / runtime", cpuText(before.batch.cpuMicrosPerRequest), cpuText(after.batch.cpuMicrosPerRequest));
  }

  for (const point of after.concurrency ?? []) {
    const theirs = before.concurrency?.find((p) => p.connections === point.connections);
    if (!theirs) continue;
    const b = theirs.signet.requestsPerSecond / theirs.skeleton.requestsPerSecond;
    const a = point.signet.requestsPerSecond / point.skeleton.requestsPerSecond;
    row(`P-256 at ${point.connections} connections (Signet ÷ the skeleton)`, `${n(theirs.signet.requestsPerSecond)}/s (${pct(b)})`, `${n(point.signet.requestsPerSecond)}/s (${pct(a)})`, change(theirs.signet.requestsPerSecond, point.signet.requestsPerSecond));
  }

  row("Audit cost", pct(before.auditCost.cost), pct(after.auditCost.cost));
  if (before.auditCost.skeleton && after.auditCost.skeleton) row("Audit cost, the skeleton's small record", pct(before.auditCost.skeleton.cost), pct(after.auditCost.skeleton.cost));
  row("First start / restart", `${before.startup.firstSignatureMs} / ${before.startup.restartFirstSignatureMs} ms`, `${after.startup.firstSignatureMs} / ${after.startup.restartFirstSignatureMs} ms`);
  row("Peak RSS", `${before.peakRssMb} MB`, `${after.peakRssMb} MB`, change(before.peakRssMb, after.peakRssMb));

  const verdicts: string[][] = [];
  for (const target of after.targets) {
    const theirs = before.targets.find((t) => t.name === target.name);
    verdicts.push([target.name, target.target, theirs ? targetVerdict(theirs) : "–", targetVerdict(target)]);
  }

  return [
    "Two bench runs side by side.",
    "",
    header(before, "before"),
    header(after, "after"),
    "",
    'A change to a ratio smaller than the larger drift of the C runs around the two runs\' HTTP stages is marked "within the drift": one pair of runs cannot tell it from the machine.',
    "",
    markdownTable(["measure", "before", "after", "change"], rows),
    "",
    markdownTable(["target", "wanted", "before", "after"], verdicts),
    "",
  ].join("\n");
}
