import { describe, expect, test } from 'vitest';
import { ReplayCache } from './replay-cache.js';

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

describe('ReplayCache reservations', () => {
  test('a reserved id is refused to every other claimant until released, and for the TTL once confirmed', () => {
    let now = 0;
    const cache = new ReplayCache({ ttlMs: 1000, now: () => now });
    expect(cache.reserve('a')).toBe(true);
    expect(cache.reserve('a')).toBe(false);
    cache.release('a');
    expect(cache.reserve('a')).toBe(true);
    cache.confirm('a');
    now = 999;
    expect(cache.reserve('a')).toBe(false);
    now = 2000;
    expect(cache.reserve('a')).toBe(true);
  });
});
