import { describe, expect, test } from 'vitest';
import { AuthFailureLimiter, TokenBucketLimiter } from './rate-limit.js';

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

describe('AuthFailureLimiter', () => {
  test('allows perMinute failures per address, then says how long to wait; other addresses are not affected', () => {
    let now = 0;
    const limiter = new AuthFailureLimiter({ perMinute: 3, now: () => now });
    expect(limiter.retryAfter('10.0.0.1')).toBe(0);
    expect([1, 2, 3].map(() => limiter.fail('10.0.0.1'))).toEqual([0, 0, 0]);
    expect(limiter.fail('10.0.0.1')).toBe(20);
    expect(limiter.retryAfter('10.0.0.1')).toBeGreaterThan(0);
    expect(limiter.retryAfter('10.0.0.2')).toBe(0);
    now += 20_000;
    expect(limiter.retryAfter('10.0.0.1')).toBe(0);
    expect(limiter.fail('10.0.0.1')).toBe(0);
  });

  test('checking does not use up attempts', () => {
    const limiter = new AuthFailureLimiter({ perMinute: 1, now: () => 0 });
    for (let i = 0; i < 5; i++) expect(limiter.retryAfter('a')).toBe(0);
    expect(limiter.fail('a')).toBe(0);
    expect(limiter.fail('a')).toBe(60);
  });
});
