import { sameIdentity, sourceTimeMs, type CanonicalIdentity } from '@identity-relay/contracts';

/** An identity as stored in `identities`. */
export interface StoredIdentity {
  id: string;
  identity: CanonicalIdentity;
  version: number;
  deletedAt: Date | null;
}

export type IncomingChange =
  | { kind: 'upsert'; identity: CanonicalIdentity }
  | { kind: 'delete'; provider: CanonicalIdentity['provider']; externalId: string; occurredAt: string };

export type Decision =
  | { action: 'create' | 'update' | 'delete' }
  | { action: 'ignore'; reason: 'stale' | 'tombstoned' | 'unchanged' };

// One comparison for identity-sync and the reconciler, in packages/contracts.
export { sameIdentity, stableJson } from '@identity-relay/contracts';

/**
 * Decides what an incoming change does to the stored identity. Stale updates never win: an update older than
 * the stored `sourceUpdatedAt` is recorded but ignored, and a tombstone is never resurrected by a late update.
 */
export function decide(stored: StoredIdentity | null, incoming: IncomingChange): Decision {
  if (incoming.kind === 'delete') {
    if (stored?.deletedAt) return { action: 'ignore', reason: 'tombstoned' };
    // A delete for an identity never seen still leaves a tombstone, so an out-of-order create cannot revive it.
    return { action: 'delete' };
  }
  if (!stored) return { action: 'create' };
  if (stored.deletedAt) return { action: 'ignore', reason: 'tombstoned' };
  // At the column's precision: the stored time is what the column kept of the time it was written from.
  const incomingAt = sourceTimeMs(incoming.identity.sourceUpdatedAt);
  const storedAt = sourceTimeMs(stored.identity.sourceUpdatedAt);
  if (incomingAt < storedAt) return { action: 'ignore', reason: 'stale' };
  if (incomingAt === storedAt && sameIdentity(stored.identity, incoming.identity)) {
    return { action: 'ignore', reason: 'unchanged' };
  }
  return { action: 'update' };
}

/** The canonical identity that a delete leaves behind. */
export function tombstoneOf(
  stored: StoredIdentity | null,
  incoming: Extract<IncomingChange, { kind: 'delete' }>,
): CanonicalIdentity {
  const base: CanonicalIdentity = stored?.identity ?? {
    provider: incoming.provider,
    externalId: incoming.externalId,
    email: null,
    username: null,
    emailVerified: false,
    state: 'inactive',
    traits: {},
    sourceUpdatedAt: incoming.occurredAt,
  };
  const later = sourceTimeMs(incoming.occurredAt) > sourceTimeMs(base.sourceUpdatedAt);
  return { ...base, state: 'inactive', sourceUpdatedAt: later ? incoming.occurredAt : base.sourceUpdatedAt };
}
