import type { NotificationRequestedData } from '@identity-relay/contracts';
import { Prisma, sqlQuery, sqlTransaction, type PrismaClient } from '@identity-relay/db';
import { messageIdFor } from './mail/message-id.js';

export interface RecordResult {
  /** False when the notification id was already recorded (a retry or replay): nothing new was written. */
  created: boolean;
  recipients: number;
}

/**
 * How long recording may hold its transaction, in milliseconds. It writes one row per subscriber, so it takes
 * as long as the list is big: a 5 s limit cut 20,000 subscribers off on a loaded machine (a retry after the
 * bus's delay, which recorded them all again).
 */
const RECORD_TIMEOUT_MS = 120_000;

/**
 * Records the notification and one delivery per current subscriber of its list, in one transaction:
 * `pending`, or already `suppressed` (the address bounced for good before) or `unsubscribed` (the person
 * opted out of the list), so operators see why someone got nothing. Message-IDs use `domain` (MAIL_FROM's).
 * Idempotent on the notification id: a second call changes nothing and reports the recorded recipient count.
 */
export async function recordNotification(
  prisma: PrismaClient,
  id: string,
  requestedAt: string,
  data: NotificationRequestedData,
  domain: string,
): Promise<RecordResult> {
  return sqlTransaction(
    prisma,
    async (tx) => {
      const templateData = data.data == null ? null : JSON.stringify(data.data);
      const inserted = await tx.query<{ id: string }>(Prisma.sql`
      INSERT INTO notifications (id, topic, list, subject, text, html, template_data, requested_at, recipients, created_at)
      VALUES (${id}, ${data.topic}, ${data.list}, ${data.subject}, ${data.text}, ${data.html ?? null},
        ${templateData}::jsonb, ${new Date(requestedAt)}, 0, now())
      ON CONFLICT (id) DO NOTHING RETURNING id`);
      if (inserted.length === 0) {
        const [row] = await tx.query<{ recipients: number }>(
          Prisma.sql`SELECT recipients FROM notifications WHERE id = ${id}`,
        );
        return { created: false, recipients: row?.recipients ?? 0 };
      }
      const subscribers = await tx.query<{ email: string; identityId: string }>(Prisma.sql`
      SELECT DISTINCT ON (email) email, identity_id::text AS "identityId" FROM subscribers
      WHERE list = ${data.list} AND unsubscribed_at IS NULL ORDER BY email`);
      const emails = subscribers.map((s) => s.email);
      const identities = subscribers.map((s) => s.identityId);
      const messageIds = emails.map((email) => messageIdFor(id, email, domain));
      if (emails.length > 0) {
        await tx.execute(Prisma.sql`
        INSERT INTO email_deliveries (notification_id, email, identity_id, status, attempts, message_id, error, updated_at)
        SELECT ${id}, e.email, e.identity_id,
          CASE WHEN s.email IS NOT NULL THEN 'suppressed' WHEN o.email IS NOT NULL THEN 'unsubscribed' ELSE 'pending' END,
          0, e.message_id, s.reason, now()
        FROM unnest(${emails}::text[], ${identities}::uuid[], ${messageIds}::text[]) AS e(email, identity_id, message_id)
        LEFT JOIN suppressions s ON s.email = e.email
        LEFT JOIN subscriber_opt_outs o
          ON o.list = ${data.list} AND o.email = e.email AND o.resubscribed_at IS NULL`);
      }
      await tx.execute(Prisma.sql`UPDATE notifications SET recipients = ${emails.length} WHERE id = ${id}`);
      return { created: true, recipients: emails.length };
    },
    { timeoutMs: RECORD_TIMEOUT_MS },
  );
}

export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'suppressed' | 'unsubscribed';

/** Deliveries of one notification by status. */
export async function deliveryCounts(
  prisma: PrismaClient,
  notificationId: string,
): Promise<Record<DeliveryStatus, number>> {
  // count(*) is int8: a string from pg.
  const rows = await sqlQuery<{ status: string; n: string }>(
    prisma,
    Prisma.sql`SELECT status, count(*) AS n FROM email_deliveries WHERE notification_id = ${notificationId} GROUP BY status`,
  );
  const counts = { pending: 0, sent: 0, failed: 0, suppressed: 0, unsubscribed: 0 };
  for (const r of rows) if (r.status in counts) counts[r.status as keyof typeof counts] = Number(r.n);
  return counts;
}
