import { expect, test } from 'vitest';
import { RateLimiter, Semaphore } from './pacing.js';

test('RateLimiter spaces reservations 1/rate apart and forgives idle time', () => {
  let now = 1000;
  const limiter = new RateLimiter(4, () => now);
  expect([limiter.reserve(), limiter.reserve(), limiter.reserve()]).toEqual([0, 250, 500]);
  now += 10_000;
  expect(limiter.reserve()).toBe(0);
  expect(() => new RateLimiter(0)).toThrow(RangeError);
});

test('Semaphore never runs more than its limit at once', async () => {
  const semaphore = new Semaphore(2);
  let running = 0;
  let peak = 0;
  const task = () =>
    semaphore.run(async () => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    });
  await Promise.all(Array.from({ length: 10 }, task));
  expect(peak).toBe(2);
});

test('RateLimiter.take does not sleep a timer for a wait under 1 ms, yet keeps the slots reserved', async () => {
  let now = 0;
  const limiter = new RateLimiter(100_000, () => now);
  const started = performance.now();
  await Promise.all(Array.from({ length: 50 }, () => limiter.take())); // waits 0..0.49 ms each
  expect(performance.now() - started).toBeLessThan(5);
  expect(limiter.reserve()).toBeCloseTo(0.5, 5);
  now = 1;
  expect(limiter.reserve()).toBe(0);
});
