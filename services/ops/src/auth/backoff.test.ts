import { describe, expect, it } from 'vitest';
import { FetchBackoff } from './backoff.js';

describe('FetchBackoff', () => {
  it('waits 1 s after a failure, doubling per further failure up to 60 s, and nothing after a success', () => {
    let now = 0;
    const backoff = new FetchBackoff(() => now);
    expect(backoff.waitSeconds()).toBe(0);
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      backoff.failed();
      waits.push(backoff.waitSeconds());
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60]);
    now += 59_500;
    expect(backoff.waitSeconds()).toBe(1);
    now += 500;
    expect(backoff.waitSeconds()).toBe(0);
    backoff.succeeded();
    backoff.failed();
    expect(backoff.waitSeconds()).toBe(1);
  });
});
