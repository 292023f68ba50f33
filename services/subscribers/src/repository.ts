import type { IdentityChangedData } from '@identity-relay/contracts';
import { Prisma, type SqlTx } from '@identity-relay/db';
import { planMembership, type MembershipAction, type SubscriberRow } from './plan.js';
import { listsOf, normalizeEmail } from './rules/evaluate.js';
import type { ListRule } from './rules/types.js';

type Tx = SqlTx;

export type ApplyOutcome =
  | { applied: true; actions: MembershipAction[] }
  /** The identity already reflects this version or a later one: nothing changed. */
  | { applied: false; reason: 'stale'; appliedVersion: number };

/** Locks the identity's version row (created at 0 on first sight), serialising its changes across replicas. */
async function lockVersion(tx: Tx, identityId: string): Promise<number> {
  await tx.execute(Prisma.sql`
    INSERT INTO subscriber_identity_versions (identity_id, version, deleted, updated_at)
    VALUES (${identityId}::uuid, 0, false, now()) ON CONFLICT (identity_id) DO NOTHING`);
  const [row] = await tx.query<{ version: number }>(Prisma.sql`
    SELECT version FROM subscriber_identity_versions WHERE identity_id = ${identityId}::uuid FOR UPDATE`);
  return row!.version;
}

async function loadRows(
  tx: Tx,
  identityId: string,
  email: string | null,
  lists: string[],
): Promise<SubscriberRow[]> {
  return tx.query<SubscriberRow>(Prisma.sql`
    SELECT id, list, email, identity_id AS "identityId", unsubscribed_at IS NULL AS active FROM subscribers
    WHERE identity_id = ${identityId}::uuid OR (email = ${email ?? ''} AND list = ANY(${lists}::text[]))
    ORDER BY subscribed_at FOR UPDATE`);
}

async function execute(tx: Tx, identityId: string, action: MembershipAction): Promise<void> {
  switch (action.kind) {
    case 'insert':
      // ON CONFLICT covers a row inserted by a concurrent transaction for another identity with this address.
      await tx.execute(Prisma.sql`
        INSERT INTO subscribers (id, list, email, identity_id, subscribed_at, updated_at)
        VALUES (gen_random_uuid(), ${action.list}, ${action.email}, ${identityId}::uuid, now(), now())
        ON CONFLICT (list, email) DO UPDATE SET identity_id = EXCLUDED.identity_id, updated_at = now(),
          subscribed_at = CASE WHEN subscribers.unsubscribed_at IS NULL THEN subscribers.subscribed_at ELSE now() END,
          unsubscribed_at = NULL`);
      return;
    case 'activate':
      await tx.execute(Prisma.sql`
        UPDATE subscribers SET email = ${action.email}, identity_id = ${identityId}::uuid, updated_at = now(),
          subscribed_at = CASE WHEN unsubscribed_at IS NULL THEN subscribed_at ELSE now() END, unsubscribed_at = NULL
        WHERE id = ${action.rowId}::uuid`);
      return;
    case 'unsubscribe':
      await tx.execute(
        Prisma.sql`UPDATE subscribers SET unsubscribed_at = now(), updated_at = now() WHERE id = ${action.rowId}::uuid`,
      );
      return;
  }
}

/**
 * Brings one identity's memberships in line with an IdentityChanged, inside the caller's transaction (which
 * also holds the inbox claim). Version-aware: an event older than, or equal to, the last applied version
 * for the identity changes nothing, so replays and out-of-order deliveries converge on the newest state.
 */
export async function applyIdentityChanged(
  tx: Tx,
  data: IdentityChangedData,
  rules: readonly ListRule[],
): Promise<ApplyOutcome> {
  const appliedVersion = await lockVersion(tx, data.identityId);
  if (appliedVersion >= data.version) return { applied: false, reason: 'stale', appliedVersion };

  const deleted = data.change === 'deleted';
  const desired = deleted ? [] : listsOf(rules, data.identity);
  const email = desired.length > 0 && data.identity.email ? normalizeEmail(data.identity.email) : null;
  const rows = await loadRows(tx, data.identityId, email, desired);
  const actions = planMembership({ identityId: data.identityId, email, desired, rows });
  for (const action of actions) await execute(tx, data.identityId, action);
  await tx.execute(Prisma.sql`
    UPDATE subscriber_identity_versions SET version = ${data.version}, deleted = ${deleted}, updated_at = now()
    WHERE identity_id = ${data.identityId}::uuid`);
  return { applied: true, actions };
}
