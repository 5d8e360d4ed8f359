/**
 * Every run of the suite in bench/results/ side by side, oldest first:
 *
 *   bun bench/history.ts [results dir, bench/results]
 *
 * Prints two Markdown tables (bench/lib/history.ts): Signet's ratio to the physical limit for
 * each algorithm and batchSign, the audit cost, the p99 at half the maximum rate, peak RSS and
 * start-up; then what the skeletons reached in the runs that measured them. The README's
 * table of runs is this output.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { isSuiteRun, runsTable, skeletonsTable } from "./lib/history";
import type { BenchReport } from "./lib/report";

const dir = process.argv[2] ?? join(import.meta.dir, "results");
const reports: BenchReport[] = [];
for (const name of readdirSync(dir).filter((file) => file.endsWith(".json"))) {
  const parsed: unknown = await Bun.file(join(dir, name)).json();
  if (isSuiteRun(parsed)) reports.push(parsed);
}
process.stdout.write(`${runsTable(reports)}\n\n${skeletonsTable(reports)}\n`);
