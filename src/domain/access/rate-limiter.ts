/**
 * Per-client rate limits: a token bucket per client, held in memory (per process). A bucket
 * holds up to `burst` requests and refills at `perSecond`; a request finding it empty is
 * refused with the number of whole seconds until the next token (Retry-After).
 *
 * Buckets of clients that have not called for a while are dropped lazily, so the map is
 * bounded by the clients active within a refill period.
 */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_BUCKETS = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** Takes one token for the client; returns 0 when granted, else the seconds to wait (at least 1). */
  take(clientId: string, limit: RateLimit, now: number): number {
    let bucket = this.buckets.get(clientId);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.sweep(now);
      bucket = { tokens: limit.burst, at: now };
      this.buckets.set(clientId, bucket);
    } else {
      const elapsed = Math.max(0, now - bucket.at) / 1000;
      bucket.tokens = Math.min(limit.burst, bucket.tokens + elapsed * limit.perSecond);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond));
  }

  /** Forgets a client's bucket (after its limit changed). */
  reset(clientId: string): void {
    this.buckets.delete(clientId);
  }

  private sweep(now: number): void {
    // A bucket untouched for a minute is full again for any limit of at least burst/60 per second.
    for (const [id, bucket] of this.buckets) if (now - bucket.at > 60_000) this.buckets.delete(id);
    if (this.buckets.size >= MAX_BUCKETS) this.buckets.clear();
  }
}
