import { Prisma, sqlExecute, sqlQuery, type PrismaClient } from '@identity-relay/db';

// Claims replace the per-delivery transaction: a sending round marks a chunk of pending deliveries as its own
// for a short lease (renewed while it works), in one autocommit statement, so no transaction stays open
// across SMTP sends and nothing grows with the list. A crashed round's claims lapse with their lease.

export interface PendingDelivery {
  email: string;
  messageId: string;
  /** The subscriber's identity when the notification was recorded (null for rows recorded before). */
  identityId: string | null;
}

/**
 * Claims up to `limit` pending deliveries of a notification that nobody holds (unclaimed, or whose lease has
 * lapsed), for `round` until now + `leaseMs`. Rows another round is claiming at the same moment are skipped.
 */
export async function claimPending(
  prisma: PrismaClient,
  notificationId: string,
  round: string,
  limit: number,
  leaseMs: number,
): Promise<PendingDelivery[]> {
  const rows = await sqlQuery<PendingDelivery>(
    prisma,
    Prisma.sql`
    UPDATE email_deliveries d SET claimed_by = ${round}, claimed_until = now() + ${leaseMs}::float8 * interval '1 millisecond'
    FROM (
      SELECT notification_id, email FROM email_deliveries
      WHERE notification_id = ${notificationId} AND status = 'pending'
        AND (claimed_until IS NULL OR claimed_until < now())
      ORDER BY email LIMIT ${limit} FOR UPDATE SKIP LOCKED
    ) c
    WHERE d.notification_id = c.notification_id AND d.email = c.email
    RETURNING d.email, d.message_id AS "messageId", d.identity_id::text AS "identityId"`,
  );
  return rows.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
}

/**
 * Extends the lease of every delivery `round` still holds. Rows a mark of the same round is writing right
 * then are skipped, not waited for: the renewal runs beside the marks, both lock many of the round's rows,
 * and in no common order, so waiting deadlocked them (40P01 under load, failing the round). A skipped row
 * is being marked sent or failed, which ends its claim; one that stays pending keeps its lease from the
 * previous renewal, two thirds of which is left when the next renewal comes.
 */
export async function renewClaims(
  prisma: PrismaClient,
  notificationId: string,
  round: string,
  leaseMs: number,
): Promise<void> {
  await sqlExecute(
    prisma,
    Prisma.sql`
    UPDATE email_deliveries d SET claimed_until = now() + ${leaseMs}::float8 * interval '1 millisecond'
    FROM (
      SELECT notification_id, email FROM email_deliveries
      WHERE notification_id = ${notificationId} AND status = 'pending' AND claimed_by = ${round}
      FOR UPDATE SKIP LOCKED
    ) held
    WHERE d.notification_id = held.notification_id AND d.email = held.email`,
  );
}

/** Gives back what `round` holds and did not finish (not started, or deferred): pending for the next attempt. */
export async function releaseClaims(prisma: PrismaClient, round: string): Promise<void> {
  await sqlExecute(
    prisma,
    Prisma.sql`
    UPDATE email_deliveries SET claimed_by = NULL, claimed_until = NULL
    WHERE claimed_by = ${round} AND status = 'pending'`,
  );
}

/**
 * Milliseconds until the first lease of another round on a pending delivery of the notification lapses, or
 * null when no other round holds any.
 */
export async function otherClaimsLapseIn(
  prisma: PrismaClient,
  notificationId: string,
  round: string,
): Promise<number | null> {
  const [row] = await sqlQuery<{ ms: number | null }>(
    prisma,
    Prisma.sql`
    SELECT (extract(epoch FROM min(claimed_until) - now()) * 1000)::float8 AS ms FROM email_deliveries
    WHERE notification_id = ${notificationId} AND status = 'pending'
      AND claimed_by IS NOT NULL AND claimed_by <> ${round}`,
  );
  return row?.ms ?? null;
}

export type DeliveryUpdate =
  | { status: 'sent'; smtpMessageId: string; response?: string }
  | { status: 'pending' | 'failed'; error: string; response?: string };

export interface DeliveryMark {
  email: string;
  update: DeliveryUpdate;
}

/**
 * Records the outcome of several sends of one notification in one statement. Sent and failed rows leave the
 * claim; a deferred row keeps it, so the round does not pick it again (releaseClaims frees it at the end).
 *
 * The statement commits without waiting for its WAL flush (`synchronous_commit` off for this transaction
 * only, set inside the statement so it holds through a transaction pooler too). Each sending lane waits
 * for its mark before its next send, and the flush (~6–8 ms on a loaded machine, more than a send to a
 * nearby server) was most of that wait. The mark is visible and kept if the notifier dies; only a crash of
 * Postgres itself within ~3 × wal_writer_delay can lose it, and a lost mark leaves its delivery pending:
 * sent again with the same Message-ID, never skipped.
 */
export async function markDeliveries(
  prisma: PrismaClient,
  notificationId: string,
  marks: readonly DeliveryMark[],
): Promise<void> {
  if (marks.length === 0) return;
  const emails = marks.map((m) => m.email);
  const statuses = marks.map((m) => m.update.status);
  const smtpIds = marks.map((m) => (m.update.status === 'sent' ? m.update.smtpMessageId : null));
  const errors = marks.map((m) => (m.update.status === 'sent' ? null : m.update.error.slice(0, 1000)));
  const responses = marks.map((m) => m.update.response?.slice(0, 1000) ?? null);
  await sqlExecute(
    prisma,
    Prisma.sql`
    UPDATE email_deliveries d SET status = m.status, attempts = d.attempts + 1,
      smtp_message_id = COALESCE(m.smtp_id, d.smtp_message_id),
      sent_at = CASE WHEN m.status = 'sent' THEN now() ELSE d.sent_at END,
      error = m.error, smtp_response = COALESCE(m.response, d.smtp_response), updated_at = now(),
      claimed_by = CASE WHEN m.status = 'pending' THEN d.claimed_by END,
      claimed_until = CASE WHEN m.status = 'pending' THEN d.claimed_until END
    FROM unnest(${emails}::text[], ${statuses}::text[], ${smtpIds}::text[], ${errors}::text[], ${responses}::text[])
      AS m(email, status, smtp_id, error, response),
      (SELECT set_config('synchronous_commit', 'off', true)) AS no_flush_wait
    WHERE d.notification_id = ${notificationId} AND d.email = m.email`,
  );
}
