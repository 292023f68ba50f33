import type { CanonicalIdentity } from '@identity-relay/contracts';
import { describe, expect, it } from 'vitest';
import { classify, type StoredState } from './classify.js';

const listed: CanonicalIdentity = {
  provider: 'kratos',
  externalId: 'a',
  email: 'ada@school.edu',
  username: null,
  emailVerified: true,
  state: 'active',
  traits: { email: 'ada@school.edu', user_type: 'educator', name: { first: 'Ada', last: 'L' } },
  sourceUpdatedAt: '2026-01-01T00:00:00.005417Z',
};
const stored = (over: Partial<CanonicalIdentity> = {}, state: Partial<StoredState> = {}): StoredState => ({
  canonical: { ...listed, sourceUpdatedAt: '2026-01-01T00:00:00.005Z', ...over },
  version: 3,
  deleted: false,
  ...state,
});

describe('classify', () => {
  it('creates what the table lacks', () => {
    expect(classify(listed, undefined, true)).toEqual({ kind: 'create' });
  });

  it('leaves an identical row alone, whatever the key order of its traits', () => {
    const reordered = { name: { last: 'L', first: 'Ada' }, user_type: 'educator', email: 'ada@school.edu' };
    expect(classify(listed, stored({ traits: reordered }), true)).toEqual({ kind: 'unchanged' });
  });

  it('updates a row that differs, naming the fields (never values)', () => {
    expect(classify(listed, stored({ emailVerified: false, state: 'inactive' }), true)).toEqual({
      kind: 'update',
      fields: ['emailVerified', 'state'],
    });
    expect(classify(listed, stored({ email: 'old@school.edu', traits: {} }), true)).toEqual({
      kind: 'update',
      fields: ['email', 'traits'],
    });
  });

  it('updates a row older than the listing even when it says the same', () => {
    expect(classify(listed, stored({ sourceUpdatedAt: '2025-12-31T00:00:00.000Z' }), true)).toEqual({
      kind: 'update',
      fields: ['sourceUpdatedAt'],
    });
  });

  it('leaves a row newer than the listing alone: a webhook got there after the page was read', () => {
    expect(
      classify(listed, stored({ state: 'inactive', sourceUpdatedAt: '2026-01-02T00:00:00.000Z' }), true),
    ).toEqual({ kind: 'unchanged' });
  });

  it('compares content only where the IdP has no modification time (Authentik)', () => {
    const at = { sourceUpdatedAt: '2027-01-01T00:00:00.000Z' };
    expect(classify(listed, stored(at), false)).toEqual({ kind: 'unchanged' });
    expect(classify(listed, stored({ ...at, username: 'ada' }), false)).toEqual({
      kind: 'update',
      fields: ['username'],
    });
  });

  it('never resurrects a tombstone', () => {
    expect(classify(listed, stored({ state: 'inactive' }, { deleted: true }), true)).toEqual({
      kind: 'unchanged',
    });
  });
});

describe('source times at the column precision', () => {
  it('a listed time with microseconds equals the row written from it, whatever the microseconds', () => {
    // identity-sync wrote .005 for .005617 (storedSourceTime); rounding it to .006 would see an update every run.
    const at = '2026-01-01T00:00:00.005617Z';
    expect(classify({ ...listed, sourceUpdatedAt: at }, stored(), true)).toEqual({ kind: 'unchanged' });
  });

  it('a later millisecond is an update', () => {
    const at = '2026-01-01T00:00:00.006001Z';
    expect(classify({ ...listed, sourceUpdatedAt: at }, stored(), true)).toEqual({
      kind: 'update',
      fields: ['sourceUpdatedAt'],
    });
  });
});
