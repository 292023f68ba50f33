import { randomUUID } from 'node:crypto';
import type { CanonicalIdentity, IdentityChangedData } from '@identity-relay/contracts';
import type { Prisma } from '@identity-relay/db';
import { decide, tombstoneOf, type Decision, type IncomingChange, type StoredIdentity } from './decide.js';

type Tx = Prisma.TransactionClient;

export interface IdentityRow {
  id: string;
  provider: CanonicalIdentity['provider'];
  external_id: string;
  email: string | null;
  username: string | null;
  email_verified: boolean;
  state: CanonicalIdentity['state'];
  traits: Record<string, unknown>;
  source_updated_at: Date;
  version: number;
  deleted_at: Date | null;
}

export function toStored(row: IdentityRow): StoredIdentity {
  return {
    id: row.id,
    version: row.version,
    deletedAt: row.deleted_at,
    identity: {
      provider: row.provider,
      externalId: row.external_id,
      email: row.email,
      username: row.username,
      emailVerified: row.email_verified,
      state: row.state,
      traits: row.traits,
      sourceUpdatedAt: row.source_updated_at.toISOString(),
    },
  };
}

/** Locks the identity row (serialising concurrent changes to one identity across replicas) and returns it. */
async function lockIdentity(tx: Tx, provider: string, externalId: string): Promise<StoredIdentity | null> {
  const rows = await tx.$queryRaw<IdentityRow[]>`
    SELECT id, provider, external_id, email, username, email_verified, state, traits, source_updated_at, version, deleted_at
    FROM identities WHERE provider = ${provider} AND external_id = ${externalId} FOR UPDATE`;
  return rows[0] ? toStored(rows[0]) : null;
}

/** Inserts a first row; returns its id, or null when a concurrent transaction inserted it first. */
async function insertIdentity(tx: Tx, identity: CanonicalIdentity, deleted: boolean): Promise<string | null> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO identities (id, provider, external_id, email, username, email_verified, state, traits,
                            source_updated_at, version, created_at, updated_at, deleted_at)
    VALUES (${randomUUID()}::uuid, ${identity.provider}, ${identity.externalId}, ${identity.email}, ${identity.username},
            ${identity.emailVerified}, ${identity.state}, ${JSON.stringify(identity.traits)}::jsonb,
            ${new Date(identity.sourceUpdatedAt)}, 1, now(), now(), ${deleted ? new Date() : null})
    ON CONFLICT (provider, external_id) DO NOTHING
    RETURNING id`;
  return rows[0]?.id ?? null;
}

async function updateIdentity(
  tx: Tx,
  id: string,
  identity: CanonicalIdentity,
  version: number,
  deleted: boolean,
): Promise<void> {
  await tx.$executeRaw`
    UPDATE identities SET email = ${identity.email}, username = ${identity.username},
      email_verified = ${identity.emailVerified}, state = ${identity.state}, traits = ${JSON.stringify(identity.traits)}::jsonb,
      source_updated_at = ${new Date(identity.sourceUpdatedAt)}, version = ${version}, updated_at = now(),
      deleted_at = ${deleted ? new Date() : null}
    WHERE id = ${id}::uuid`;
}

interface EventRecord {
  identityId: string;
  version: number | null;
  type: string;
  payload: object;
  sourceMessageId: string;
  occurredAt: string;
}

/**
 * History and outbox in one row; `created_at` orders one identity's versions for the outbox relay: the
 * commit-order `clock_timestamp()`, but at least 1 ms after the previous version's (the column keeps
 * milliseconds, and a batch may have written that one slightly ahead of the clock: see batch-apply.ts).
 */
async function insertEvent(tx: Tx, e: EventRecord): Promise<string> {
  const id = randomUUID();
  await tx.$executeRaw`
    INSERT INTO identity_events (id, identity_id, version, type, payload, source_message_id, occurred_at, created_at)
    VALUES (${id}::uuid, ${e.identityId}::uuid, ${e.version}, ${e.type}, ${JSON.stringify(e.payload)}::jsonb,
            ${e.sourceMessageId}, ${new Date(e.occurredAt)},
            greatest(clock_timestamp(), (SELECT p.created_at + interval '1 millisecond' FROM identity_events p
                                         WHERE p.identity_id = ${e.identityId}::uuid AND p.version = ${e.version}::int - 1)))`;
  return id;
}

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

const CHANGE = { create: 'created', update: 'updated', delete: 'deleted' } as const;

/**
 * Applies one change inside the caller's transaction: row, history/outbox event with the next version, or a
 * recorded-but-ignored `identity.stale` event. The caller commits the inbox row in the same transaction.
 */
export async function applyIdentityChange(tx: Tx, input: ApplyInput): Promise<ApplyResult> {
  const { change } = input;
  const key =
    change.kind === 'upsert'
      ? { provider: change.identity.provider, externalId: change.identity.externalId }
      : { provider: change.provider, externalId: change.externalId };

  for (;;) {
    const stored = await lockIdentity(tx, key.provider, key.externalId);
    const decision = decide(stored, change);
    if (decision.action === 'ignore') {
      if (!stored) throw new Error('ignored change without a stored identity');
      const payload = {
        reason: decision.reason,
        identity: change.kind === 'upsert' ? change.identity : null,
      };
      await insertEvent(tx, {
        identityId: stored.id,
        version: null,
        type: 'identity.stale',
        payload,
        sourceMessageId: input.messageId,
        occurredAt: input.occurredAt,
      });
      return { decision, identityId: stored.id, version: stored.version };
    }
    const next = change.kind === 'upsert' ? change.identity : tombstoneOf(stored, change);
    const deleted = decision.action === 'delete';
    let identityId: string;
    let version: number;
    if (stored) {
      identityId = stored.id;
      version = stored.version + 1;
      await updateIdentity(tx, identityId, next, version, deleted);
    } else {
      const inserted = await insertIdentity(tx, next, deleted);
      if (!inserted) continue; // lost an insert race to another replica: lock its row and decide again
      identityId = inserted;
      version = 1;
    }
    const data: IdentityChangedData = {
      identityId,
      change: CHANGE[decision.action],
      identity: next,
      previous: stored && !stored.deletedAt ? stored.identity : null,
      version,
    };
    await insertEvent(tx, {
      identityId,
      version,
      type: `identity.${data.change}`,
      payload: input.traceparent ? { ...data, traceparent: input.traceparent } : data,
      sourceMessageId: input.messageId,
      occurredAt: input.occurredAt,
    });
    return { decision, identityId, version };
  }
}
