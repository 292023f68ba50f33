import type { IdentityChangedData } from '@identity-relay/contracts';
import { describe, expect, test } from 'vitest';
import { planBatch, type LoadedRow, type Wanted } from './batch-plan.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const then = new Date('2026-01-01T00:00:00.000Z');
const now = new Date('2026-02-01T00:00:00.000Z');

const row = (id: string, identityId: string, email: string, active = true): LoadedRow => ({
  id,
  list: 'educators',
  email,
  identityId,
  active,
  subscribedAt: then,
});
const wants = (identityId: string, version: number, email: string | null): Wanted => ({
  data: { identityId, version } as IdentityChangedData,
  deleted: email === null,
  desired: email === null ? [] : ['educators'],
  email,
});

describe('planBatch', () => {
  test('a row whose old address another row takes in the same batch is moved out of the way first', () => {
    const { writes } = planBatch(
      [wants(A, 2, 'y@x.org'), wants(B, 2, 'x@x.org')],
      [row('r1', A, 'x@x.org'), row('r2', B, 'z@x.org')],
      now,
    );
    expect(writes.vacate).toEqual(['r1']);
    expect(writes.updates.map((u) => [u.id, u.email])).toEqual([
      ['r1', 'y@x.org'],
      ['r2', 'x@x.org'],
    ]);
    expect(writes.inserts).toEqual([]);
  });

  test('a row created and changed within the batch is inserted once, in its end state', () => {
    const { outcomes, writes } = planBatch(
      [wants(A, 1, 'x@x.org'), wants(A, 2, 'y@x.org'), wants(A, 3, null)],
      [],
      now,
    );
    expect(outcomes.map((o) => o.applied && o.actions.map((a) => a.kind))).toEqual([
      ['insert'],
      ['activate'],
      ['unsubscribe'],
    ]);
    expect(writes.inserts).toMatchObject([{ email: 'y@x.org', identityId: A, active: false }]);
    expect(writes.updates).toEqual([]);
    expect(writes.versions).toEqual([{ identityId: A, version: 3, deleted: true }]);
  });

  test('rows nobody changed are not written', () => {
    const { writes } = planBatch(
      [wants(A, 2, 'x@x.org')],
      [row('r1', A, 'x@x.org'), row('r2', B, 'w@x.org')],
      now,
    );
    expect(writes.updates).toEqual([]);
    expect(writes.inserts).toEqual([]);
    expect(writes.vacate).toEqual([]);
  });
});
