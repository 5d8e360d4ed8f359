/**
 * Where a single signature's time goes inside Signet, for every synchronousSign and every minted
 * JWT since start: `signer` from handing the operation to the signer until its signature comes
 * back (the pool's queue, the hop to a Worker and back, the token), and `audit` from then until
 * its audit record is durable (the hand-off to the audit writer, the commit under way, its own
 * commit). What is left of a request's latency is HTTP, authentication and the main thread's
 * own queue. The bench reads it around each fixed-rate run; bench/NOTES.md shows why each
 * part needed its own figure.
 */
import { LatencyHistogram, type HistogramSnapshot } from "../../histogram";

export interface SigningTimingSnapshot {
  signer: HistogramSnapshot;
  audit: HistogramSnapshot;
}

export class SigningTiming {
  readonly signer = new LatencyHistogram();
  readonly audit = new LatencyHistogram();

  snapshot(): SigningTimingSnapshot {
    return { signer: this.signer.snapshot(), audit: this.audit.snapshot() };
  }
}
