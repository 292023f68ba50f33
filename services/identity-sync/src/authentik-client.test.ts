import { describe, expect, test } from 'vitest';
import { createAuthentikClient } from './authentik-client.js';

/** A fetch stand-in (no I/O) that answers user `pk` after `delayMs`, honours the abort signal and counts calls in flight. */
function slowFetch(delayMs: number | ((pk: number) => number)) {
  const stats = { inFlight: 0, maxInFlight: 0 };
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
    const pk = Number(/\/users\/(\d+)\//.exec(String(input))?.[1]);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, typeof delayMs === 'number' ? delayMs : delayMs(pk));
        init?.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(init.signal!.reason as Error);
        });
      });
      return Response.json({ pk, username: `user${pk}`, email: null, is_active: true });
    } finally {
      stats.inFlight--;
    }
  }) as typeof globalThis.fetch;
  return { fetch, stats };
}

const client = (fetch: typeof globalThis.fetch, more: { concurrency?: number; timeoutMs?: number } = {}) =>
  createAuthentikClient({ baseUrl: 'http://authentik.test', token: 't', fetch, ...more });

describe('createAuthentikClient concurrency', () => {
  test('rejects a concurrency outside 1..256', () => {
    const { fetch } = slowFetch(1);
    for (const bad of [0, 257, 2.5, Number.NaN])
      expect(() => client(fetch, { concurrency: bad })).toThrow(RangeError);
    expect(() => client(fetch, { concurrency: 1 })).not.toThrow();
    expect(() => client(fetch, { concurrency: 256 })).not.toThrow();
  });

  test('defaults to 8 calls in flight', async () => {
    const { fetch, stats } = slowFetch(5);
    const ak = client(fetch);
    await Promise.all(Array.from({ length: 30 }, (_, i) => ak.getUser(i + 1)));
    expect(stats.maxInFlight).toBe(8);
  });

  test('the timeout starts when a call leaves the queue, not while it waits', async () => {
    // One at a time, 50 ms each: the fifth call waits ~200 ms, beyond the 150 ms timeout (which leaves a loaded
    // machine 100 ms for each call's own overhead).
    const { fetch, stats } = slowFetch(50);
    const ak = client(fetch, { concurrency: 1, timeoutMs: 150 });
    const lookups = await Promise.all([1, 2, 3, 4, 5].map((pk) => ak.getUser(pk)));
    expect(lookups.map((l) => l.status === 'found' && l.user.pk)).toEqual([1, 2, 3, 4, 5]);
    expect(stats.maxInFlight).toBe(1);
  });

  test('a call that times out frees its turn for the next one', async () => {
    const { fetch } = slowFetch((pk) => (pk === 1 ? 200 : 1));
    const ak = client(fetch, { concurrency: 1, timeoutMs: 20 });
    const [first, second] = await Promise.allSettled([ak.getUser(1), ak.getUser(2)]);
    expect(first).toMatchObject({ status: 'rejected', reason: { code: 'AUTHENTIK_UNAVAILABLE' } });
    expect(second).toMatchObject({ status: 'fulfilled', value: { status: 'found' } });
  });
});
