import type { IdentityChangedData } from '@identity-relay/contracts';
import { Prisma, type SqlTx } from '@identity-relay/db';
import {
  planBatch,
  sortOutStale,
  type ApplyOutcome,
  type BatchWrites,
  type LoadedRow,
  type Wanted,
} from './batch-plan.js';
import type { ListRule } from './rules/types.js';

export type { ApplyOutcome } from './batch-plan.js';

type Tx = SqlTx;

/**
 * Creates the identities' missing version rows (at 0) and locks them all, in identity-id order, in one
 * statement: the upsert locks an existing row even when it was committed after the statement began, and two
 * batches lock their common identities in the same order, so replicas serialise per identity without
 * deadlocking. Returns each identity's applied version and the transaction's time.
 */
async function lockVersions(
  tx: Tx,
  identityIds: string[],
): Promise<{ versions: Map<string, number>; now: Date }> {
  const rows = await tx.query<{ identity_id: string; version: number; now: Date }>(Prisma.sql`
    INSERT INTO subscriber_identity_versions AS v (identity_id, version, deleted, updated_at)
    SELECT id, 0, false, now() FROM unnest(${identityIds}::uuid[]) AS id ORDER BY id
    ON CONFLICT (identity_id) DO UPDATE SET version = v.version
    RETURNING identity_id, version, now()::timestamptz(3) AS now`);
  return { versions: new Map(rows.map((r) => [r.identity_id, r.version])), now: rows[0]!.now };
}

/**
 * Locks, in id order, every row the batch's planning may read: the identities' own rows and any row holding
 * one of the wanted addresses on one of the wanted lists (a superset of the wanted (list, email) pairs).
 */
async function lockRows(tx: Tx, wanted: readonly Wanted[]): Promise<LoadedRow[]> {
  const identityIds = [...new Set(wanted.map((w) => w.data.identityId))];
  const lists = [...new Set(wanted.flatMap((w) => (w.email === null ? [] : w.desired)))];
  const emails = [...new Set(wanted.flatMap((w) => (w.email === null ? [] : [w.email])))];
  return tx.query<LoadedRow>(Prisma.sql`
    SELECT id, list, email, identity_id AS "identityId", unsubscribed_at IS NULL AS active,
      subscribed_at AS "subscribedAt"
    FROM subscribers
    WHERE identity_id = ANY(${identityIds}::uuid[]) OR (list = ANY(${lists}::text[]) AND email = ANY(${emails}::text[]))
    ORDER BY id FOR UPDATE`);
}

function versionsCte(versions: BatchWrites['versions']): Prisma.Sql {
  return Prisma.sql`versions AS (
    UPDATE subscriber_identity_versions AS v SET version = r.version, deleted = r.deleted, updated_at = now()
    FROM unnest(${versions.map((v) => v.identityId)}::uuid[], ${versions.map((v) => v.version)}::int[],
      ${versions.map((v) => v.deleted)}::boolean[]) AS r(identity_id, version, deleted)
    WHERE v.identity_id = r.identity_id)`;
}

/**
 * Writes the batch's end state: rows that changed, in one UPDATE, then new rows, in one INSERT; the versions
 * ride along with the last of them. Updates go first so a row inserted at an address another row left in
 * the same batch finds it free. An INSERT that meets a row a concurrent transaction added for another
 * identity takes it over, as one message at a time would.
 */
async function writeBatch(tx: Tx, writes: BatchWrites): Promise<void> {
  const { updates, vacate, inserts } = writes;
  if (vacate.length > 0) {
    // A leading space never survives normalizeEmail, so no address can collide with the placeholder.
    await tx.execute(Prisma.sql`
      UPDATE subscribers SET email = ' ' || id::text WHERE id = ANY(${vacate}::uuid[])`);
  }
  const withVersions = (last: boolean) =>
    last ? Prisma.sql`WITH ${versionsCte(writes.versions)}` : Prisma.empty;
  if (updates.length > 0) {
    await tx.execute(Prisma.sql`
      ${withVersions(inserts.length === 0)}
      UPDATE subscribers AS s SET email = r.email, identity_id = r.identity_id, updated_at = now(),
        subscribed_at = CASE WHEN r.resubscribed THEN now() ELSE s.subscribed_at END,
        unsubscribed_at = CASE WHEN r.active THEN NULL ELSE now() END
      FROM unnest(${updates.map((u) => u.id)}::uuid[], ${updates.map((u) => u.email)}::text[],
        ${updates.map((u) => u.identityId)}::uuid[], ${updates.map((u) => u.resubscribed)}::boolean[],
        ${updates.map((u) => u.active)}::boolean[]) AS r(id, email, identity_id, resubscribed, active)
      WHERE s.id = r.id`);
  }
  if (inserts.length > 0 || updates.length === 0) {
    await tx.execute(Prisma.sql`
      ${withVersions(true)}
      INSERT INTO subscribers (id, list, email, identity_id, subscribed_at, unsubscribed_at, updated_at)
      SELECT id, list, email, identity_id, now(), CASE WHEN active THEN NULL ELSE now() END, now()
      FROM unnest(${inserts.map((i) => i.id)}::uuid[], ${inserts.map((i) => i.list)}::text[],
        ${inserts.map((i) => i.email)}::text[], ${inserts.map((i) => i.identityId)}::uuid[],
        ${inserts.map((i) => i.active)}::boolean[]) AS r(id, list, email, identity_id, active)
      ORDER BY list, email
      ON CONFLICT (list, email) DO UPDATE SET identity_id = EXCLUDED.identity_id, updated_at = now(),
        subscribed_at = CASE WHEN subscribers.unsubscribed_at IS NULL THEN subscribers.subscribed_at ELSE now() END,
        unsubscribed_at = EXCLUDED.unsubscribed_at`);
  }
}

/**
 * Brings the identities' memberships in line with IdentityChanged messages (already claimed in the caller's
 * transaction, in delivery order), with a fixed number of statements whatever their count: lock the
 * versions, lock the rows, plan everything in memory (batch-plan.ts), write the end state. Version-aware:
 * a message older than, or equal to, the identity's last applied version changes nothing, so replays and
 * out-of-order deliveries converge on the newest state. Outcomes in input order.
 */
export async function applyIdentityChanges(
  tx: Tx,
  changes: readonly IdentityChangedData[],
  rules: readonly ListRule[],
): Promise<ApplyOutcome[]> {
  if (changes.length === 0) return [];
  const identityIds = [...new Set(changes.map((c) => c.identityId.toLowerCase()))].sort();
  const { versions, now } = await lockVersions(tx, identityIds);
  const sorted = sortOutStale(changes, versions, rules);
  const wanted = sorted.filter((s): s is Wanted => 'data' in s);
  if (wanted.length === 0) return sorted as ApplyOutcome[];

  const rows = await lockRows(tx, wanted);
  const { outcomes, writes } = planBatch(wanted, rows, now);
  await writeBatch(tx, writes);
  let next = 0;
  return sorted.map((s) => ('data' in s ? outcomes[next++]! : s));
}
