export interface TokenBucketOptions {
  /** Tokens added per second: the sustained rate of one source. 0 < ratePerSecond. */
  ratePerSecond: number;
  /** Bucket size: how many a source may spend at once. 1 <= burst. */
  burst: number;
  /** (default=10000) Sources remembered; the least recently seen is forgotten first (it starts full again). */
  maxSources?: number;
  /** (default=Date.now) Clock in milliseconds, replaced in tests. */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per source, in this process's memory: with several replicas each one limits on its own,
 * so the effective limit is replicas × rate.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly maxSources: number;
  private readonly now: () => number;

  constructor(opts: TokenBucketOptions) {
    if (!(opts.ratePerSecond > 0))
      throw new RangeError(`ratePerSecond must be > 0, got ${opts.ratePerSecond}`);
    if (!(opts.burst >= 1)) throw new RangeError(`burst must be >= 1, got ${opts.burst}`);
    const maxSources = opts.maxSources ?? 10_000;
    if (!Number.isInteger(maxSources) || maxSources < 1)
      throw new RangeError(`maxSources must be an integer >= 1, got ${maxSources}`);
    this.rate = opts.ratePerSecond;
    this.burst = opts.burst;
    this.maxSources = maxSources;
    this.now = opts.now ?? Date.now;
  }

  private refill(source: string): Bucket {
    const now = this.now();
    const bucket = this.buckets.get(source) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
    bucket.at = now;
    return bucket;
  }

  private wait(bucket: Bucket): number {
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate));
  }

  /** Takes one token for `source`: 0 when allowed, else the seconds to wait before the next one. */
  take(source: string): number {
    const bucket = this.refill(source);
    // Re-inserting keeps the Map in least-recently-seen order for eviction.
    this.buckets.delete(source);
    this.buckets.set(source, bucket);
    if (this.buckets.size > this.maxSources) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.wait(bucket);
  }

  /** Like `take` without spending: 0 when `source` has a token left, else the seconds to wait. */
  peek(source: string): number {
    if (!this.buckets.has(source)) return 0;
    const bucket = this.refill(source);
    return bucket.tokens >= 1 ? 0 : this.wait(bucket);
  }
}

export interface AuthFailureLimiterOptions {
  /** Failed attempts one address may make per minute; as many may come at once. >= 1. */
  perMinute: number;
  /** (default=10000) Addresses remembered. */
  maxSources?: number;
  /** (default=Date.now) Clock in milliseconds. */
  now?: () => number;
}

/**
 * Limits failed authentication per client address (AUTH_FAILURES_PER_MINUTE): only failures spend, so
 * authenticated traffic is never slowed, and a guessing client is answered 429 once its attempts are used up.
 * The address must be the real client's (Express `req.ip` with `trust proxy` = TRUST_PROXY hops).
 */
export class AuthFailureLimiter {
  private readonly buckets: TokenBucketLimiter;

  constructor(opts: AuthFailureLimiterOptions) {
    if (!Number.isInteger(opts.perMinute) || opts.perMinute < 1)
      throw new RangeError(`perMinute must be an integer >= 1, got ${opts.perMinute}`);
    this.buckets = new TokenBucketLimiter({
      ratePerSecond: opts.perMinute / 60,
      burst: opts.perMinute,
      maxSources: opts.maxSources,
      now: opts.now,
    });
  }

  /** Records one failed attempt of `address`: 0 while it had attempts left, else the seconds to wait. */
  fail(address: string): number {
    return this.buckets.take(address);
  }

  /** 0 when `address` may still fail an attempt, else the seconds until it may. Spends nothing. */
  retryAfter(address: string): number {
    return this.buckets.peek(address);
  }
}
