import type { RequestHandler } from 'express';
import { HttpError } from './errors.js';

export interface TokenBucketOptions {
  /** Tokens added per second: the sustained request rate of one source. 0 < ratePerSecond. */
  ratePerSecond: number;
  /** Bucket size: how many requests one source may send at once. 1 <= burst. */
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
 * A token bucket per source, in this process's memory: with several ingress replicas each one limits on its
 * own, so the effective limit is replicas × rate. Enough to stop a runaway or hostile sender; not a quota.
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

  /** Takes one token for `source`: 0 when allowed, else the seconds to wait before the next one. */
  take(source: string): number {
    const now = this.now();
    const stored = this.buckets.get(source);
    const bucket = stored ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
    bucket.at = now;
    // Re-inserting keeps the Map in least-recently-seen order for eviction.
    this.buckets.delete(source);
    this.buckets.set(source, bucket);
    if (this.buckets.size > this.maxSources) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate));
  }
}

/**
 * 429 with `Retry-After` once a source exhausts its bucket. The source is the route group plus the client
 * address (the TCP peer: `trust proxy` is off, so a forged X-Forwarded-For cannot pick a fresh bucket).
 */
export function rateLimit(limiter: TokenBucketLimiter, group: string): RequestHandler {
  return (req, _res, next) => {
    const wait = limiter.take(`${group}|${req.socket.remoteAddress ?? 'unknown'}`);
    if (wait === 0) return next();
    next(
      new HttpError(429, 'rate_limited', `too many requests; retry in ${wait} s`, undefined, {
        'Retry-After': String(wait),
      }),
    );
  };
}
