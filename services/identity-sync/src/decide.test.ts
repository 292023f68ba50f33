import { describe, expect, test } from 'vitest';
import type { CanonicalIdentity } from '@identity-relay/contracts';
import { decide, stableJson, tombstoneOf, type StoredIdentity } from './decide.js';

const identity = (over: Partial<CanonicalIdentity> = {}): CanonicalIdentity => ({
  provider: 'kratos',
  externalId: 'a1',
  email: 'a@example.org',
  username: null,
  emailVerified: false,
  state: 'active',
  traits: { email: 'a@example.org', type: 'student' },
  sourceUpdatedAt: '2026-01-01T10:00:00.000Z',
  ...over,
});
const stored = (over: Partial<StoredIdentity> = {}): StoredIdentity => ({
  id: 'row-1',
  identity: identity(),
  version: 1,
  deletedAt: null,
  ...over,
});

describe('decide', () => {
  test('creates an unknown identity', () => {
    expect(decide(null, { kind: 'upsert', identity: identity() })).toEqual({ action: 'create' });
  });
  test('applies a newer update', () => {
    const next = identity({ sourceUpdatedAt: '2026-01-01T11:00:00.000Z', traits: { type: 'educator' } });
    expect(decide(stored(), { kind: 'upsert', identity: next })).toEqual({ action: 'update' });
  });
  test('applies a changed identity with the same timestamp', () => {
    expect(decide(stored(), { kind: 'upsert', identity: identity({ emailVerified: true }) })).toEqual({
      action: 'update',
    });
  });
  test('ignores an older update as stale', () => {
    const old = identity({ sourceUpdatedAt: '2026-01-01T09:59:59.999Z', email: 'old@example.org' });
    expect(decide(stored(), { kind: 'upsert', identity: old })).toEqual({
      action: 'ignore',
      reason: 'stale',
    });
  });
  test('ignores an identical update whatever the key order', () => {
    const same = identity({ traits: { type: 'student', email: 'a@example.org' } });
    expect(decide(stored(), { kind: 'upsert', identity: same })).toEqual({
      action: 'ignore',
      reason: 'unchanged',
    });
  });
  test('never resurrects a tombstone', () => {
    const late = identity({ sourceUpdatedAt: '2027-01-01T00:00:00.000Z' });
    expect(decide(stored({ deletedAt: new Date() }), { kind: 'upsert', identity: late })).toEqual({
      action: 'ignore',
      reason: 'tombstoned',
    });
  });
  test('deletes known and unknown identities once', () => {
    const del = {
      kind: 'delete' as const,
      provider: 'authentik' as const,
      externalId: '12',
      occurredAt: '2026-02-01T00:00:00.000Z',
    };
    expect(decide(null, del)).toEqual({ action: 'delete' });
    expect(decide(stored(), del)).toEqual({ action: 'delete' });
    expect(decide(stored({ deletedAt: new Date() }), del)).toEqual({
      action: 'ignore',
      reason: 'tombstoned',
    });
  });
});

test('stableJson sorts keys at every level', () => {
  expect(stableJson({ b: 1, a: { d: [1, { f: 2, e: 1 }], c: null } })).toBe(
    '{"a":{"c":null,"d":[1,{"e":1,"f":2}]},"b":1}',
  );
});

test('tombstoneOf keeps the last known state and the later time', () => {
  const del = {
    kind: 'delete' as const,
    provider: 'kratos' as const,
    externalId: 'a1',
    occurredAt: '2026-03-01T00:00:00.000Z',
  };
  expect(tombstoneOf(stored(), del)).toMatchObject({
    email: 'a@example.org',
    state: 'inactive',
    sourceUpdatedAt: del.occurredAt,
  });
  expect(tombstoneOf(null, del)).toMatchObject({ externalId: 'a1', email: null, traits: {} });
});
