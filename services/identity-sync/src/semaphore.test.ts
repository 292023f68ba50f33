import { describe, expect, test } from 'vitest';
import { Semaphore } from './semaphore.js';

/** A task that stays open until its `finish` is called. */
function gate<T>(value: T) {
  let finish!: () => void;
  const opened = new Promise<void>((r) => (finish = r));
  return { finish, task: async () => (await opened, value) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Semaphore', () => {
  test('rejects a limit that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity])
      expect(() => new Semaphore(bad)).toThrow(RangeError);
    expect(new Semaphore(1).limit).toBe(1);
  });

  test('never runs more than `limit` tasks at once, and runs them all', async () => {
    const sem = new Semaphore(3);
    let inFlight = 0;
    let maxInFlight = 0;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        sem.run(async () => {
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          await new Promise((r) => setTimeout(r, 1 + (i % 4)));
          inFlight--;
          return i;
        }),
      ),
    );
    expect(maxInFlight).toBe(3);
    expect(results).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(sem.running).toBe(0);
    expect(sem.queued).toBe(0);
  });

  test('waiters start in arrival order, and a newcomer does not overtake them', async () => {
    const sem = new Semaphore(1);
    const started: string[] = [];
    const first = gate('a');
    const a = sem.run(() => (started.push('a'), first.task()));
    const b = sem.run(async () => (started.push('b'), 'b'));
    const c = sem.run(async () => (started.push('c'), 'c'));
    await tick();
    expect(started).toEqual(['a']);
    expect(sem.queued).toBe(2);
    first.finish();
    const d = sem.run(async () => (started.push('d'), 'd'));
    expect(await Promise.all([a, b, c, d])).toEqual(['a', 'b', 'c', 'd']);
    expect(started).toEqual(['a', 'b', 'c', 'd']);
  });

  test('a failing task passes its error through and frees its permit', async () => {
    const sem = new Semaphore(1);
    const boom = new Error('boom');
    const failed = sem.run(() => Promise.reject(boom));
    const next = sem.run(async () => 'next');
    await expect(failed).rejects.toBe(boom);
    expect(await next).toBe('next');
    expect(sem.running).toBe(0);
  });

  test('a task that throws synchronously frees its permit too', async () => {
    const sem = new Semaphore(1);
    await expect(
      sem.run(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(sem.running).toBe(0);
    expect(await sem.run(async () => 1)).toBe(1);
  });
});
