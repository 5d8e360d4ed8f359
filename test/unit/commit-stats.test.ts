/** The audit writer's commit-time histogram and the quantile read from two of its snapshots. */
import { expect, test } from "bun:test";
import { COMMIT_BUCKET_BOUNDS_MS, CommitStats, commitQuantileMs } from "../../src/audit/commit-stats";

test("bounds grow by √2 from 0.125 ms to 128 ms", () => {
  expect(COMMIT_BUCKET_BOUNDS_MS[0]).toBe(0.125);
  expect(COMMIT_BUCKET_BOUNDS_MS.at(-1)).toBe(128);
  expect(COMMIT_BUCKET_BOUNDS_MS[2]).toBe(0.25);
});

test("quantiles of the commits between two snapshots, as the bound of their bucket", () => {
  const stats = new CommitStats();
  stats.add(40, 1); // before the window
  const before = stats.snapshot();
  for (let i = 0; i < 98; i++) stats.add(0.3, 2);
  stats.add(3, 1);
  stats.add(500, 1);
  const after = stats.snapshot();
  expect(after.commits - before.commits).toBe(100);
  expect(after.records - before.records).toBe(198);
  expect(commitQuantileMs(before, after, 0.5)).toBe(0.354);
  expect(commitQuantileMs(before, after, 0.99)).toBe(4);
  expect(commitQuantileMs(before, after, 1)).toBeNull(); // slower than every bound
  expect(commitQuantileMs(after, after, 0.5)).toBeNull(); // nothing committed
});
