/**
 * Latency histograms counted since start, in buckets whose bounds grow by √2 from 0.125 ms to
 * 128 ms (the last bucket takes everything slower). A reader (the bench, a monitor) takes two
 * snapshots and reads the distribution of what happened between them, as Prometheus
 * histograms are read. Adding scans 21 bounds and allocates nothing: it runs once per signed
 * request and once per audit commit.
 */

/** Upper bounds of the buckets in ms. */
export const BUCKET_BOUNDS_MS: readonly number[] = Array.from({ length: 21 }, (_, i) => Math.round(0.125 * Math.SQRT2 ** i * 1000) / 1000);

export interface HistogramSnapshot {
  count: number;
  /** How many took at most `le` ms, cumulative; the last entry (le null) counts everything. */
  atMostMs: { le: number | null; count: number }[];
}

export class LatencyHistogram {
  private count = 0;
  private readonly buckets = new Uint32Array(BUCKET_BOUNDS_MS.length + 1);

  add(ms: number): void {
    this.count++;
    let i = 0;
    while (i < BUCKET_BOUNDS_MS.length && ms > BUCKET_BOUNDS_MS[i]!) i++;
    this.buckets[i]!++;
  }

  snapshot(): HistogramSnapshot {
    let running = 0;
    const atMostMs = Array.from(this.buckets, (count, i) => {
      running += count;
      return { le: BUCKET_BOUNDS_MS[i] ?? null, count: running };
    });
    return { count: this.count, atMostMs };
  }
}

/**
 * The time at quantile q (0..1) of what was counted between two snapshots, as the upper bound
 * of its bucket (so at most √2 above the true value); null for the open last bucket or when
 * nothing was counted.
 */
export function quantileMs(before: HistogramSnapshot, after: HistogramSnapshot, q: number): number | null {
  const total = after.count - before.count;
  if (total <= 0) return null;
  for (let i = 0; i < after.atMostMs.length; i++) {
    if (after.atMostMs[i]!.count - (before.atMostMs[i]?.count ?? 0) >= q * total) return after.atMostMs[i]!.le;
  }
  return null;
}
