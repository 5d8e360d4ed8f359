/**
 * Two runs of the suite side by side: what a change did, beside how far the machine moved.
 *
 *   bun bench/compare.ts <before.json> <after.json>     (bench/results/<date>.json files)
 *
 * Prints Markdown (bench/lib/compare.ts): each algorithm's rate, ratio to the physical limit
 * and to the skeleton, CPU a request by part and p99 at 50% load; batchSign; saturation by
 * connections; the audit cost; start-up; peak RSS; and each target's verdict in both runs.
 */
import { compareReports } from "./lib/compare";
import type { BenchReport } from "./lib/report";

const [beforePath, afterPath] = process.argv.slice(2);
if (!beforePath || !afterPath) {
  console.error("usage: bun bench/compare.ts <before.json> <after.json>");
  process.exit(2);
}
const read = async (path: string) => (await Bun.file(path).json()) as BenchReport;
process.stdout.write(compareReports(await read(beforePath), await read(afterPath)));
