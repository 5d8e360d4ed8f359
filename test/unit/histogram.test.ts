/** The latency histograms (commit times, signing timing) and the quantiles read from two snapshots. */
import { expect, test } from "bun:test";
import { CommitStats, commitQuantileMs } from "../../src/audit/commit-stats";
import { BUCKET_BOUNDS_MS, LatencyHistogram, quantileMs } from "../../src/histogram";

test("bounds grow by √2 from 0.125 ms to 128 ms", () => {
  expect(BUCKET_BOUNDS_MS[0]).toBe(0.125);
  expect(BUCKET_BOUNDS_MS.at(-1)).toBe(128);
  expect(BUCKET_BOUNDS_MS[2]).toBe(0.25);
});

test("quantiles of what was counted between two snapshots, as the bound of their bucket", () => {
  const histogram = new LatencyHistogram();
  histogram.add(40); // before the window
  const before = histogram.snapshot();
  for (let i = 0; i < 98; i++) histogram.add(0.3);
  histogram.add(3);
  histogram.add(500);
  const after = histogram.snapshot();
  expect(after.count - before.count).toBe(100);
  expect(quantileMs(before, after, 0.5)).toBe(0.354);
  expect(quantileMs(before, after, 0.99)).toBe(4);
  expect(quantileMs(before, after, 1)).toBeNull(); // slower than every bound
  expect(quantileMs(after, after, 0.5)).toBeNull(); // nothing counted
  expect(after.atMostMs.at(-1)).toEqual({ le: null, count: 101 });
});

test("commit statistics keep GET /v1/audit/commits' shape: commits, records, cumulative buckets", () => {
  const stats = new CommitStats();
  stats.add(40, 1);
  const before = stats.snapshot();
  for (let i = 0; i < 98; i++) stats.add(0.3, 2);
  stats.add(3, 1);
  stats.add(500, 1);
  const after = stats.snapshot();
  expect(after.commits - before.commits).toBe(100);
  expect(after.records - before.records).toBe(198);
  expect(after.atMostMs[0]).toEqual({ le: 0.125, commits: 0 });
  expect(after.atMostMs.at(-1)).toEqual({ le: null, commits: 101 });
  expect(commitQuantileMs(before, after, 0.5)).toBe(0.354);
  expect(commitQuantileMs(before, after, 0.99)).toBe(4);
});
