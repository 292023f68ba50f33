import { describe, expect, test } from 'vitest';
import { expectedNewest, historyProblem, missingFrom, surplus } from './expectations.js';
import type { WebhookRecord } from './ledger.js';

const history = (over: Partial<Parameters<typeof historyProblem>[0]> = {}) => ({
  externalId: 'x',
  rowVersion: 3,
  versions: [1, 2, 3],
  byCommit: [1, 2, 3],
  updates: [0, 1, 4],
  ...over,
});

describe('historyProblem', () => {
  test('accepts a gap-free, ordered, ever newer history ending at the row', () => {
    expect(historyProblem(history())).toBeNull();
  });
  test.each([
    [{ versions: [1, 3, 4], byCommit: [1, 3, 4] }, /gap-free/],
    [{ versions: [1, 2, 2], byCommit: [1, 2, 2] }, /gap-free/],
    [{ rowVersion: 2 }, /row at version 2/],
    [{ byCommit: [1, 3, 2] }, /commit order/],
    [{ updates: [0, 4, 1] }, /not newer/],
    [{ updates: [0, 1, 1] }, /not newer/],
  ])('reports %j', (over, problem) => {
    expect(historyProblem(history(over))).toMatch(problem);
  });
});

describe('expectedNewest', () => {
  const w = (identity: string, n: number, messageId: string): WebhookRecord => ({
    identity,
    n,
    messageId,
    kind: 'load',
    statuses: [200],
    accepted: true,
  });
  test('takes the highest update among applied messages only', () => {
    const hooks = [w('a', 0, 'm0'), w('a', 2, 'm2'), w('a', 5, 'm5'), w('b', 1, 'm6')];
    expect(expectedNewest(hooks, new Set(['m0', 'm2', 'm6']))).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
    );
  });
});

describe('surplus and missingFrom', () => {
  test('count extra copies and absent members', () => {
    expect(surplus(['a', 'b', 'a', 'a', 'c']).duplicates).toBe(2);
    expect(surplus([]).duplicates).toBe(0);
    expect(missingFrom(['a', 'b', 'c'], new Set(['b']))).toEqual(['a', 'c']);
  });
});
