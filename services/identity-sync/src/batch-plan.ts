import type { CanonicalIdentity, IdentityChangedData } from '@identity-relay/contracts';
import { decide, tombstoneOf, type Decision, type IncomingChange, type StoredIdentity } from './decide.js';

export interface ApplyInput {
  messageId: string;
  occurredAt: string;
  change: IncomingChange;
  /** W3C trace context of the source message, stored in the outbox payload for the relay to carry on. */
  traceparent?: string;
}

export interface ApplyResult {
  decision: Decision;
  identityId: string;
  version: number;
}

/** provider + NUL + external id: one identity. */
export type IdentityKey = string;

export function keyOf(input: ApplyInput): IdentityKey {
  const { change } = input;
  return change.kind === 'upsert'
    ? `${change.identity.provider}\u0000${change.identity.externalId}`
    : `${change.provider}\u0000${change.externalId}`;
}

/** What one identity looks like after the batch, and whether its row is new, changed or left alone. */
export interface PlannedRow {
  id: string;
  identity: CanonicalIdentity;
  version: number;
  deleted: boolean;
  /** insert: no row existed; update: the row changed; none: every change was ignored. */
  write: 'insert' | 'update' | 'none';
  /** The version the row had before the batch (0 when new): the previous event's version. */
  versionBefore: number;
}

/** One identity_events row to insert. `rank` counts the events of its identity within the batch (1, 2, …). */
export interface PlannedEvent {
  identityId: string;
  version: number | null;
  type: string;
  payload: object;
  sourceMessageId: string;
  occurredAt: string;
  rank: number;
}

export interface BatchPlan {
  rows: Map<IdentityKey, PlannedRow>;
  events: PlannedEvent[];
  /** Per input (same order): the result, or 'duplicate' for a message id already applied or repeated. */
  results: Array<ApplyResult | 'duplicate'>;
}

const CHANGE = { create: 'created', update: 'updated', delete: 'deleted' } as const;

/**
 * The identity rules, written once: applies a batch of changes (a single message is a batch of one) in
 * memory, in arrival order, to the stored rows (locked by the caller), so several changes of one identity
 * in one batch get consecutive versions and stale ones are recorded (`identity.stale`) but lose. `claimed` holds the message ids
 * the inbox accepted; any other input, and a repeat of an id within the batch, is a duplicate.
 * `newId` names identities that have no row yet.
 */
export function planBatch(
  inputs: readonly ApplyInput[],
  stored: ReadonlyMap<IdentityKey, StoredIdentity>,
  claimed: ReadonlySet<string>,
  newId: () => string,
  now: Date,
): BatchPlan {
  const state = new Map<IdentityKey, StoredIdentity | null>();
  const rows = new Map<IdentityKey, PlannedRow>();
  const ranks = new Map<string, number>();
  const rankOf = (identityId: string) => {
    const rank = (ranks.get(identityId) ?? 0) + 1;
    ranks.set(identityId, rank);
    return rank;
  };
  const events: PlannedEvent[] = [];
  const seen = new Set<string>();
  const results = inputs.map((input): ApplyResult | 'duplicate' => {
    if (!claimed.has(input.messageId) || seen.has(input.messageId)) return 'duplicate';
    seen.add(input.messageId);
    const key = keyOf(input);
    if (!state.has(key)) state.set(key, stored.get(key) ?? null);
    const current = state.get(key)!;
    const { change } = input;
    const decision = decide(current, change);
    const event = { sourceMessageId: input.messageId, occurredAt: input.occurredAt };
    if (decision.action === 'ignore') {
      // decide() never ignores a change to an identity it has not seen, so `current` is set.
      const identityId = current!.id;
      const payload = {
        reason: decision.reason,
        identity: change.kind === 'upsert' ? change.identity : null,
      };
      events.push({
        ...event,
        identityId,
        version: null,
        type: 'identity.stale',
        payload,
        rank: rankOf(identityId),
      });
      if (!rows.has(key)) rows.set(key, { ...rowOf(current!), write: 'none' });
      return { decision, identityId, version: current!.version };
    }
    const next = change.kind === 'upsert' ? change.identity : tombstoneOf(current, change);
    const deleted = decision.action === 'delete';
    const identityId = current?.id ?? newId();
    const version = (current?.version ?? 0) + 1;
    const data: IdentityChangedData = {
      identityId,
      change: CHANGE[decision.action],
      identity: next,
      previous: current && !current.deletedAt ? current.identity : null,
      version,
    };
    events.push({
      ...event,
      identityId,
      version,
      type: `identity.${data.change}`,
      payload: input.traceparent ? { ...data, traceparent: input.traceparent } : data,
      rank: rankOf(identityId),
    });
    const before = rows.get(key);
    const existed = stored.has(key);
    rows.set(key, {
      id: identityId,
      identity: next,
      version,
      deleted,
      write: existed ? 'update' : 'insert',
      versionBefore: before ? before.versionBefore : (current?.version ?? 0),
    });
    state.set(key, { id: identityId, identity: next, version, deletedAt: deleted ? now : null });
    return { decision, identityId, version };
  });
  return { rows, events, results };
}

function rowOf(s: StoredIdentity): Omit<PlannedRow, 'write'> {
  return {
    id: s.id,
    identity: s.identity,
    version: s.version,
    deleted: s.deletedAt !== null,
    versionBefore: s.version,
  };
}
