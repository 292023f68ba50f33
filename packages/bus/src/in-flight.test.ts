import { describe, expect, it } from 'vitest';
import { InFlight } from './in-flight.js';

describe('InFlight', () => {
  it('is empty at once when nothing runs', async () => {
    await expect(new InFlight<number>().whenEmpty(10)).resolves.toBe(true);
  });

  it('resolves true when the last item leaves', async () => {
    const set = new InFlight<number>();
    set.add(1);
    set.add(2);
    const empty = set.whenEmpty(1000);
    set.delete(1);
    set.delete(2);
    await expect(empty).resolves.toBe(true);
  });

  it('resolves false when the timeout comes first, and keeps the items', async () => {
    const set = new InFlight<number>();
    set.add(1);
    await expect(set.whenEmpty(10)).resolves.toBe(false);
    expect([...set]).toEqual([1]);
  });
});
