import { describe, expect, it } from 'vitest';
import { evaluateReadiness } from './readiness.js';

describe('evaluateReadiness', () => {
  it('is ready when every check passes, sync or async', async () => {
    const result = await evaluateReadiness({ broker: () => true, database: async () => true });
    expect(result).toEqual({ ready: true, checks: { broker: 'ok', database: 'ok' }, failed: [] });
  });

  it('is ready with no checks at all', async () => {
    expect(await evaluateReadiness({})).toEqual({ ready: true, checks: {}, failed: [] });
  });

  it('names every check that returned false, threw, rejected or was too slow', async () => {
    const result = await evaluateReadiness(
      {
        broker: () => false,
        database: () => {
          throw new Error('down');
        },
        smtp: () => Promise.reject(new Error('refused')),
        slow: () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 500)),
        fine: () => true,
      },
      50,
    );
    expect(result).toEqual({
      ready: false,
      checks: { broker: 'failed', database: 'error', smtp: 'error', slow: 'timeout', fine: 'ok' },
      failed: ['broker', 'database', 'smtp', 'slow'],
    });
  });

  it('treats truthy non-boolean results as failed', async () => {
    const check = (() => 'yes') as unknown as () => boolean;
    expect((await evaluateReadiness({ odd: check })).failed).toEqual(['odd']);
  });

  it('runs checks concurrently', async () => {
    // Each check passes only once all three have started: run one after another, the first would time out.
    let started = 0;
    let allStarted!: () => void;
    const barrier = new Promise<void>((resolve) => (allStarted = resolve));
    const wait = async () => {
      if (++started === 3) allStarted();
      await barrier;
      return true;
    };
    const result = await evaluateReadiness({ a: wait, b: wait, c: wait });
    expect(result).toMatchObject({ ready: true, failed: [] });
    expect(started).toBe(3);
  });
});
