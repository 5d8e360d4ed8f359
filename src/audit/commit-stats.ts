/**
 * How long the audit writer's commits take: every answer to an audited operation waits for
 * the commit that holds its record, so this is the latency the audit adds (bench/NOTES.md
 * sets it beside the requests' own tail). Counted since start, in buckets
 * whose bounds grow by √2 from 0.125 ms to 128 ms, so that a reader (the bench, a monitor)
 * takes two snapshots and reads the distribution of what happened between them.
 */

/** Upper bounds of the buckets in ms; the last bucket takes everything slower. */
export const COMMIT_BUCKET_BOUNDS_MS: readonly number[] = Array.from({ length: 21 }, (_, i) => Math.round(0.125 * Math.SQRT2 ** i * 1000) / 1000);

export interface CommitStatsSnapshot {
  commits: number;
  records: number;
  /** Commits at most COMMIT_BUCKET_BOUNDS_MS[i] ms long, cumulative as in Prometheus; the last entry counts every commit. */
  atMostMs: { le: number | null; commits: number }[];
}

export class CommitStats {
  private commits = 0;
  private records = 0;
  private readonly buckets = new Uint32Array(COMMIT_BUCKET_BOUNDS_MS.length + 1);

  add(ms: number, records: number): void {
    this.commits++;
    this.records += records;
    let i = 0;
    while (i < COMMIT_BUCKET_BOUNDS_MS.length && ms > COMMIT_BUCKET_BOUNDS_MS[i]!) i++;
    this.buckets[i]!++;
  }

  snapshot(): CommitStatsSnapshot {
    let running = 0;
    const atMostMs = Array.from(this.buckets, (count, i) => {
      running += count;
      return { le: COMMIT_BUCKET_BOUNDS_MS[i] ?? null, commits: running };
    });
    return { commits: this.commits, records: this.records, atMostMs };
  }
}

/**
 * The commit time at quantile q (0..1) of the commits between two snapshots, as the upper
 * bound of its bucket (so at most √2 above the true value); null for the open last bucket or
 * when nothing was committed.
 */
export function commitQuantileMs(before: CommitStatsSnapshot, after: CommitStatsSnapshot, q: number): number | null {
  const total = after.commits - before.commits;
  if (total <= 0) return null;
  for (let i = 0; i < after.atMostMs.length; i++) {
    if (after.atMostMs[i]!.commits - (before.atMostMs[i]?.commits ?? 0) >= q * total) return after.atMostMs[i]!.le;
  }
  return null;
}
