import { describe, expect, it } from 'vitest';
import type { CanonicalIdentity } from '@identity-relay/contracts';
import { keyOf, planBatch } from './batch-plan.js';
import type { StoredIdentity } from './decide.js';
import type { ApplyInput } from './batch-plan.js';

const identity = (email: string, at: string, externalId = 'u1'): CanonicalIdentity => ({
  provider: 'kratos',
  externalId,
  email,
  username: null,
  emailVerified: true,
  state: 'active',
  traits: { email },
  sourceUpdatedAt: at,
});
const upsert = (messageId: string, i: CanonicalIdentity): ApplyInput => ({
  messageId,
  occurredAt: i.sourceUpdatedAt,
  change: { kind: 'upsert', identity: i },
});
let n = 0;
const newId = () => `new-${++n}`;
const now = new Date('2026-06-01T00:00:00Z');

describe('planBatch', () => {
  it('gives several changes of one new identity consecutive versions, in arrival order', () => {
    const inputs = [
      upsert('m1', identity('a@x.org', '2026-01-01T00:00:00Z')),
      upsert('m2', identity('b@x.org', '2026-01-02T00:00:00Z')),
      upsert('m3', identity('old@x.org', '2025-12-01T00:00:00Z')),
    ];
    const plan = planBatch(inputs, new Map(), new Set(['m1', 'm2', 'm3']), newId, now);
    expect(plan.events.map((e) => [e.version, e.type, e.rank])).toEqual([
      [1, 'identity.created', 1],
      [2, 'identity.updated', 2],
      [null, 'identity.stale', 3],
    ]);
    const row = plan.rows.get(keyOf(inputs[0]!))!;
    expect(row).toMatchObject({ write: 'insert', version: 2, versionBefore: 0, deleted: false });
    expect(row.identity.email).toBe('b@x.org');
    expect(plan.results.map((r) => (r === 'duplicate' ? r : r.decision.action))).toEqual([
      'create',
      'update',
      'ignore',
    ]);
  });

  it('treats unclaimed ids and ids repeated in the batch as duplicates', () => {
    const i = identity('a@x.org', '2026-01-01T00:00:00Z');
    const plan = planBatch(
      [upsert('m1', i), upsert('m1', i), upsert('seen-before', i)],
      new Map(),
      new Set(['m1']),
      newId,
      now,
    );
    expect(plan.results.map((r) => (r === 'duplicate' ? r : r.version))).toEqual([
      1,
      'duplicate',
      'duplicate',
    ]);
    expect(plan.events).toHaveLength(1);
  });

  it('continues from the stored row and never resurrects a tombstone', () => {
    const stored: StoredIdentity = {
      id: 'id-1',
      identity: identity('a@x.org', '2026-01-01T00:00:00Z'),
      version: 4,
      deletedAt: null,
    };
    const key = keyOf(upsert('x', stored.identity));
    const inputs: ApplyInput[] = [
      upsert('m1', identity('b@x.org', '2026-01-02T00:00:00Z')),
      {
        messageId: 'm2',
        occurredAt: '2026-01-03T00:00:00Z',
        change: { kind: 'delete', provider: 'kratos', externalId: 'u1', occurredAt: '2026-01-03T00:00:00Z' },
      },
      upsert('m3', identity('c@x.org', '2026-01-04T00:00:00Z')),
    ];
    const plan = planBatch(inputs, new Map([[key, stored]]), new Set(['m1', 'm2', 'm3']), newId, now);
    expect(plan.events.map((e) => [e.identityId, e.version, e.type])).toEqual([
      ['id-1', 5, 'identity.updated'],
      ['id-1', 6, 'identity.deleted'],
      ['id-1', null, 'identity.stale'],
    ]);
    expect(plan.rows.get(key)).toMatchObject({
      write: 'update',
      version: 6,
      versionBefore: 4,
      deleted: true,
    });
  });

  it('leaves a row untouched when every change to it is ignored', () => {
    const stored: StoredIdentity = {
      id: 'id-1',
      identity: identity('a@x.org', '2026-01-05T00:00:00Z'),
      version: 2,
      deletedAt: null,
    };
    const input = upsert('m1', identity('old@x.org', '2026-01-01T00:00:00Z'));
    const plan = planBatch([input], new Map([[keyOf(input), stored]]), new Set(['m1']), newId, now);
    expect(plan.rows.get(keyOf(input))).toMatchObject({ write: 'none', version: 2 });
    expect(plan.events[0]).toMatchObject({ version: null, type: 'identity.stale' });
  });
});
