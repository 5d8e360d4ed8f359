/**
 * How long the audit writer's commits take: every answer to an audited operation waits for
 * the commit that holds its record, so this is the latency the audit adds (bench/NOTES.md
 * sets it beside the requests' own tail). A histogram counted since start (histogram.ts), in
 * the shape GET /v1/audit/commits has always answered.
 */
import { LatencyHistogram, quantileMs, type HistogramSnapshot } from "../histogram";

export interface CommitStatsSnapshot {
  commits: number;
  records: number;
  /** Commits at most `le` ms long, cumulative as in Prometheus; the last entry counts every commit. */
  atMostMs: { le: number | null; commits: number }[];
}

export class CommitStats {
  private records = 0;
  private readonly times = new LatencyHistogram();

  add(ms: number, records: number): void {
    this.records += records;
    this.times.add(ms);
  }

  snapshot(): CommitStatsSnapshot {
    const { count, atMostMs } = this.times.snapshot();
    return { commits: count, records: this.records, atMostMs: atMostMs.map(({ le, count: commits }) => ({ le, commits })) };
  }
}

function asHistogram(snapshot: CommitStatsSnapshot): HistogramSnapshot {
  return { count: snapshot.commits, atMostMs: snapshot.atMostMs.map(({ le, commits }) => ({ le, count: commits })) };
}

/** The commit time at quantile q of the commits between two snapshots (quantileMs). */
export function commitQuantileMs(before: CommitStatsSnapshot, after: CommitStatsSnapshot, q: number): number | null {
  return quantileMs(asHistogram(before), asHistogram(after), q);
}
