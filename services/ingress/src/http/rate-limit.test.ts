import { describe, expect, test } from 'vitest';
import { TokenBucketLimiter } from './rate-limit.js';
import { ReplayCache } from './replay-cache.js';

describe('TokenBucketLimiter', () => {
  test('a burst passes, then one request per 1/rate seconds; sources are independent', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ ratePerSecond: 2, burst: 3, now: () => now });
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(1);
    expect(limiter.take('b')).toBe(0);
    now += 500;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBeGreaterThan(0);
  });

  test('Retry-After is at least 1 s and grows for slow rates', () => {
    const limiter = new TokenBucketLimiter({ ratePerSecond: 0.1, burst: 1, now: () => 0 });
    limiter.take('a');
    expect(limiter.take('a')).toBe(10);
  });

  test('remembers at most maxSources (the oldest start full again)', () => {
    const limiter = new TokenBucketLimiter({ ratePerSecond: 1, burst: 1, maxSources: 2, now: () => 0 });
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    expect(limiter.take('a')).toBe(0);
  });

  test('options are range-checked', () => {
    expect(() => new TokenBucketLimiter({ ratePerSecond: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucketLimiter({ ratePerSecond: 1, burst: 0 })).toThrow(RangeError);
  });
});

describe('ReplayCache', () => {
  test('remembers ids for the TTL, bounded', () => {
    let now = 0;
    const cache = new ReplayCache({ ttlMs: 1000, maxEntries: 2, now: () => now });
    cache.remember('a');
    expect(cache.has('a')).toBe(true);
    now = 1001;
    expect(cache.has('a')).toBe(false);
    cache.remember('x');
    cache.remember('y');
    cache.remember('z');
    expect(cache.has('x')).toBe(false);
    expect(cache.has('z')).toBe(true);
  });
});
