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

/** One identities row as the JSON the batch statement reads (jsonb_to_recordset); `ord` keeps the order. */
function rowJson(r: PlannedRow, now: string, ord: number) {
  const i = r.identity;
  return {
    ord,
    write: r.write,
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
const ROW_TYPE = Prisma.raw(`ord int, write text, id uuid, provider text, external_id text, email text,
  username text, email_verified boolean, state text, traits jsonb, source_updated_at timestamptz, version int,
  deleted_at timestamptz`);

const EVENT_TYPE = Prisma.raw(`ord int, id uuid, identity_id uuid, version int, type text, payload jsonb,
  source_message_id text, occurred_at timestamptz, rank int, prev_version int`);

/**
 * Writes a planned batch in one statement: new identities inserted in (provider, external_id) order (a
 * conflict means another transaction created one first: `InsertRaceError`, and no event is written), changed
 * ones updated, and the history rows (identity_events; its trigger identity_outbox_enqueue adds the outbox
 * row of each versioned one, for every writer, replicas of the previous release included).
 *
 * created_at orders one identity's versions for the relay, at millisecond precision: the k-th event of an
 * identity in this batch gets now + (k-1) ms, and at least its previous version's created_at (joined here)
 * + k ms, so versions never tie or go backwards, also across transactions and replicas.
 */
export async function writeBatch(tx: Tx, rows: PlannedRow[], events: PlannedEvent[]): Promise<void> {
  const written = rows.filter((r) => r.write !== 'none');
  if (written.length === 0 && events.length === 0) return;
  const now = new Date().toISOString();
  const sorted = written.sort((a, b) => compareKeys(a.identity, b.identity));
  const inserts = sorted.reduce((n, r) => (r.write === 'insert' ? n + 1 : n), 0);
  const previous = new Map(
    sorted.filter((r) => r.write === 'update' && r.versionBefore > 0).map((r) => [r.id, r.versionBefore]),
  );
  const eventsJson = JSON.stringify(
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
      prev_version: previous.get(e.identityId) ?? null,
    })),
  );
  const [result] = await tx.query<{ inserted: number }>(Prisma.sql`
    WITH u AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(sorted.map((r, i) => rowJson(r, now, i)))}::jsonb)
                 AS u(${ROW_TYPE})),
    ins AS (
      INSERT INTO identities (id, provider, external_id, email, username, email_verified, state, traits,
                              source_updated_at, version, created_at, updated_at, deleted_at)
      SELECT u.id, u.provider, u.external_id, u.email, u.username, u.email_verified, u.state, u.traits,
             u.source_updated_at, u.version, now(), now(), u.deleted_at
      FROM u WHERE u.write = 'insert' ORDER BY u.ord
      ON CONFLICT (provider, external_id) DO NOTHING
      RETURNING 1),
    upd AS (
      UPDATE identities AS i SET email = u.email, username = u.username, email_verified = u.email_verified,
        state = u.state, traits = u.traits, source_updated_at = u.source_updated_at, version = u.version,
        updated_at = now(), deleted_at = u.deleted_at
      FROM u WHERE u.write = 'update' AND i.id = u.id),
    ev AS (
      INSERT INTO identity_events (id, identity_id, version, type, payload, source_message_id, occurred_at, created_at)
      SELECT e.id, e.identity_id, e.version, e.type, e.payload, e.source_message_id, e.occurred_at,
             greatest(clock_timestamp() + (e.rank - 1) * interval '1 millisecond',
                      p.created_at + e.rank * interval '1 millisecond')
      FROM jsonb_to_recordset(${eventsJson}::jsonb) AS e(${EVENT_TYPE})
      LEFT JOIN identity_events p ON p.identity_id = e.identity_id AND p.version = e.prev_version
      WHERE (SELECT count(*) FROM ins) = ${inserts}::int
      ORDER BY e.ord)
    SELECT (SELECT count(*) FROM ins)::int AS inserted`);
  if (result!.inserted !== inserts) throw new InsertRaceError(inserts - result!.inserted);
}

function compareKeys(
  a: { provider: string; externalId: string },
  b: { provider: string; externalId: string },
) {
  if (a.provider !== b.provider) return a.provider < b.provider ? -1 : 1;
  return a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0;
}
