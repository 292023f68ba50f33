import { randomUUID } from 'node:crypto';
import { storedSourceTime } from '@identity-relay/contracts';
import { canonicalOfRow, identityColumns, Prisma, type IdentityRow, type SqlTx } from '@identity-relay/db';
import { TransientError } from '@identity-relay/bus';
import type { IdentityKey, PlannedEvent, PlannedRow } from './batch-plan.js';
import type { StoredIdentity } from './decide.js';

type Tx = SqlTx;

function toStored(row: IdentityRow): StoredIdentity {
  return { id: row.id, version: row.version, deletedAt: row.deleted_at, identity: canonicalOfRow(row) };
}

/**
 * Another transaction created one of these identities between our lock and our insert (ON CONFLICT waited
 * for it to commit). Nothing of ours is valid any more: the transaction rolls back, and applying again
 * finds — and locks — the row the other transaction committed (see apply.ts).
 */
export class InsertRaceError extends TransientError {
  constructor(lost: number) {
    super(`${lost} identities were created concurrently by another transaction`, { code: 'INSERT_RACE' });
  }
}

/**
 * Locks the rows that exist, in the database's (provider, external_id) order — one global order, so two
 * transactions locking overlapping identities wait on each other instead of deadlocking — and returns them.
 */
export async function lockIdentities(tx: Tx, keys: IdentityKey[]): Promise<Map<IdentityKey, StoredIdentity>> {
  const providers = keys.map((k) => k.slice(0, k.indexOf('\u0000')));
  const externalIds = keys.map((k) => k.slice(k.indexOf('\u0000') + 1));
  const found = await tx.query<IdentityRow>(Prisma.sql`
    SELECT ${identityColumns('i')}
    FROM identities i
    JOIN unnest(${providers}::text[], ${externalIds}::text[]) AS k(provider, external_id)
      ON i.provider = k.provider AND i.external_id = k.external_id
    ORDER BY i.provider, i.external_id FOR UPDATE OF i`);
  return new Map(found.map((row) => [`${row.provider}\u0000${row.external_id}`, toStored(row)]));
}

/** One identities row as the JSON the set-based statements read (jsonb_to_recordset); `ord` keeps the order. */
function rowJson(r: PlannedRow, now: string, ord: number) {
  const i = r.identity;
  return {
    ord,
    id: r.id,
    provider: i.provider,
    external_id: i.externalId,
    email: i.email,
    username: i.username,
    email_verified: i.emailVerified,
    state: i.state,
    traits: i.traits,
    source_updated_at: storedSourceTime(i.sourceUpdatedAt),
    version: r.version,
    deleted_at: r.deleted ? now : null,
  };
}

// Rows travel as one JSON document per statement: a single parameter that Postgres parses in C, rather
// than one array parameter per column that the driver escapes element by element (the profile's top cost).
const ROW_TYPE =
  Prisma.raw(`id uuid, provider text, external_id text, email text, username text, email_verified boolean,
  state text, traits jsonb, source_updated_at timestamptz, version int, deleted_at timestamptz, ord int`);

/** New identities, inserted in (provider, external_id) order; a conflict means we lost a race. */
export async function insertRows(tx: Tx, rows: PlannedRow[]): Promise<void> {
  if (rows.length === 0) return;
  const now = new Date().toISOString();
  const sorted = [...rows].sort((a, b) => compareKeys(a.identity, b.identity));
  const inserted = await tx.execute(Prisma.sql`
    INSERT INTO identities (id, provider, external_id, email, username, email_verified, state, traits,
                            source_updated_at, version, created_at, updated_at, deleted_at)
    SELECT u.id, u.provider, u.external_id, u.email, u.username, u.email_verified, u.state, u.traits,
           u.source_updated_at, u.version, now(), now(), u.deleted_at
    FROM jsonb_to_recordset(${JSON.stringify(sorted.map((r, i) => rowJson(r, now, i)))}::jsonb) AS u(${ROW_TYPE})
    ORDER BY u.ord
    ON CONFLICT (provider, external_id) DO NOTHING`);
  if (inserted !== rows.length) throw new InsertRaceError(rows.length - inserted);
}

export async function updateRows(tx: Tx, rows: PlannedRow[]): Promise<void> {
  if (rows.length === 0) return;
  const now = new Date().toISOString();
  await tx.execute(Prisma.sql`
    UPDATE identities AS i SET email = u.email, username = u.username, email_verified = u.email_verified,
      state = u.state, traits = u.traits, source_updated_at = u.source_updated_at, version = u.version,
      updated_at = now(), deleted_at = u.deleted_at
    FROM jsonb_to_recordset(${JSON.stringify(rows.map((r, i) => rowJson(r, now, i)))}::jsonb) AS u(${ROW_TYPE})
    WHERE i.id = u.id`);
}

/** created_at of each changed identity's latest event before this batch: the floor for the new ones. */
export async function previousEventTimes(tx: Tx, rows: PlannedRow[]): Promise<Map<string, string>> {
  const prior = rows.filter((r) => r.write === 'update' && r.versionBefore > 0);
  if (prior.length === 0) return new Map();
  const found = await tx.query<{ identity_id: string; created_at: Date }>(Prisma.sql`
    SELECT e.identity_id, e.created_at FROM identity_events e
    JOIN unnest(${prior.map((r) => r.id)}::uuid[], ${prior.map((r) => r.versionBefore)}::int[]) AS p(id, version)
      ON e.identity_id = p.id AND e.version = p.version`);
  return new Map(found.map((r) => [r.identity_id, r.created_at.toISOString()]));
}

/**
 * History rows, and an outbox row for each versioned one. created_at orders one identity's versions for the relay, at millisecond
 * precision: the k-th event of an identity in this batch gets now + (k-1) ms, and at least its previous
 * version's time + k ms, so versions never tie or go backwards, also across transactions and replicas.
 */
export async function insertEvents(
  tx: Tx,
  events: PlannedEvent[],
  floors: Map<string, string>,
): Promise<void> {
  if (events.length === 0) return;
  const json = JSON.stringify(
    events.map((e, ord) => ({
      ord,
      id: randomUUID(),
      identity_id: e.identityId,
      version: e.version,
      type: e.type,
      payload: e.payload,
      source_message_id: e.sourceMessageId,
      occurred_at: new Date(e.occurredAt).toISOString(),
      rank: e.rank,
      floor: floors.get(e.identityId) ?? null,
    })),
  );
  // The outbox row of each versioned event (identity_outbox, with the event's created_at) is written by the
  // identity_events trigger identity_outbox_enqueue, not here: the database enqueues for every writer, including
  // replicas of the previous release during a rolling upgrade.
  await tx.execute(Prisma.sql`
    INSERT INTO identity_events (id, identity_id, version, type, payload, source_message_id, occurred_at, created_at)
    SELECT u.id, u.identity_id, u.version, u.type, u.payload, u.source_message_id, u.occurred_at,
           greatest(clock_timestamp() + (u.rank - 1) * interval '1 millisecond',
                    u.floor + u.rank * interval '1 millisecond')
    FROM jsonb_to_recordset(${json}::jsonb)
      AS u(ord int, id uuid, identity_id uuid, version int, type text, payload jsonb, source_message_id text,
           occurred_at timestamptz, rank int, floor timestamptz)
    ORDER BY u.ord`);
}

function compareKeys(
  a: { provider: string; externalId: string },
  b: { provider: string; externalId: string },
) {
  if (a.provider !== b.provider) return a.provider < b.provider ? -1 : 1;
  return a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0;
}
