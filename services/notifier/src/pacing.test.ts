import { expect, test } from 'vitest';
import { RateLimiter } from './pacing.js';

test('RateLimiter spaces reservations 1/rate apart and forgives idle time', () => {
  let now = 1000;
  const limiter = new RateLimiter(4, () => now);
  expect([limiter.reserve(), limiter.reserve(), limiter.reserve()]).toEqual([0, 250, 500]);
  now += 10_000;
  expect(limiter.reserve()).toBe(0);
  expect(() => new RateLimiter(0)).toThrow(RangeError);
});

test('RateLimiter.take does not sleep a timer for a wait under 1 ms, yet keeps the slots reserved', async () => {
  let now = 0;
  const sleeps: number[] = [];
  const limiter = new RateLimiter(
    100_000,
    () => now,
    async (ms) => void sleeps.push(ms),
  );
  await Promise.all(Array.from({ length: 50 }, () => limiter.take())); // waits 0..0.49 ms each
  expect(sleeps).toEqual([]);
  expect(limiter.reserve()).toBeCloseTo(0.5, 5);
  now = 1;
  expect(limiter.reserve()).toBe(0);
});

test('RateLimiter.take sleeps the reserved wait once it reaches 1 ms', async () => {
  const sleeps: number[] = [];
  const limiter = new RateLimiter(
    2,
    () => 0,
    async (ms) => void sleeps.push(ms),
  );
  await Promise.all([limiter.take(), limiter.take(), limiter.take()]);
  expect(sleeps).toEqual([500, 1000]);
});
