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
import { join } from "node:path";
import { readSuiteRuns, runsTable, skeletonsTable } from "./lib/history";

const reports = readSuiteRuns(process.argv[2] ?? join(import.meta.dir, "results"));
process.stdout.write(`${runsTable(reports)}\n\n${skeletonsTable(reports)}\n`);
