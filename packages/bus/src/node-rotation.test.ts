import { describe, expect, it } from 'vitest';
import { NodeRotation } from './node-rotation.js';

describe('NodeRotation', () => {
  it('starts at the node the random source picks', () => {
    expect(new NodeRotation(3, () => 0).index).toBe(0);
    expect(new NodeRotation(3, () => 0.34).index).toBe(1);
    expect(new NodeRotation(3, () => 0.67).index).toBe(2);
    expect(new NodeRotation(3, () => 0.999999).index).toBe(2);
    expect(new NodeRotation(3, () => 1).index).toBe(2); // out-of-contract source still names a node
    expect(new NodeRotation(1, () => 0.9).index).toBe(0);
  });

  it('fails over through every node once per round, wrapping around, from any start', () => {
    for (const r of [0, 0.3, 0.5, 0.8]) {
      const rotation = new NodeRotation(4, () => r);
      const start = rotation.index;
      const round = [start, ...[1, 2, 3].map(() => rotation.advance())];
      expect(new Set(round).size).toBe(4);
      expect(round).toEqual([0, 1, 2, 3].map((i) => (start + i) % 4));
      expect(rotation.advance()).toBe(start); // the next round begins where this one did
    }
  });

  it('spreads connections over the nodes with the default source', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[new NodeRotation(3).index]!++;
    // Each node gets about a third; the bound is loose enough never to flake.
    for (const c of counts) expect(c).toBeGreaterThan(700);
  });

  it('refuses an empty list', () => {
    expect(() => new NodeRotation(0)).toThrow(RangeError);
  });
});
