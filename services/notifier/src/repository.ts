import type { NotificationRequestedData } from '@identity-relay/contracts';
import type { PrismaClient } from '@identity-relay/db';
import { messageIdFor } from './mail/message-id.js';

export interface RecordResult {
  /** False when the notification id was already recorded (a retry or replay): nothing new was written. */
  created: boolean;
  recipients: number;
}

/**
 * Records the notification and one pending delivery per current subscriber of its list, in one transaction.
 * Idempotent on the notification id: a second call changes nothing and reports the recorded recipient count.
 */
export async function recordNotification(
  prisma: PrismaClient,
  id: string,
  requestedAt: string,
  data: NotificationRequestedData,
): Promise<RecordResult> {
  return prisma.$transaction(async (tx) => {
    const inserted = await tx.$queryRaw<{ id: string }[]>`
      INSERT INTO notifications (id, topic, list, subject, requested_at, recipients, created_at)
      VALUES (${id}, ${data.topic}, ${data.list}, ${data.subject}, ${new Date(requestedAt)}, 0, now())
      ON CONFLICT (id) DO NOTHING RETURNING id`;
    if (inserted.length === 0) {
      const [row] = await tx.$queryRaw<
        { recipients: number }[]
      >`SELECT recipients FROM notifications WHERE id = ${id}`;
      return { created: false, recipients: row?.recipients ?? 0 };
    }
    const subscribers = await tx.$queryRaw<{ email: string }[]>`
      SELECT DISTINCT email FROM subscribers WHERE list = ${data.list} AND unsubscribed_at IS NULL ORDER BY email`;
    const emails = subscribers.map((s) => s.email);
    const messageIds = emails.map((email) => messageIdFor(id, email));
    if (emails.length > 0) {
      await tx.$executeRaw`
        INSERT INTO email_deliveries (notification_id, email, status, attempts, message_id, updated_at)
        SELECT ${id}, e.email, 'pending', 0, e.message_id, now()
        FROM unnest(${emails}::text[], ${messageIds}::text[]) AS e(email, message_id)`;
    }
    await tx.$executeRaw`UPDATE notifications SET recipients = ${emails.length} WHERE id = ${id}`;
    return { created: true, recipients: emails.length };
  });
}

/** Deliveries of one notification by status. */
export async function deliveryCounts(
  prisma: PrismaClient,
  notificationId: string,
): Promise<Record<'pending' | 'sent' | 'failed', number>> {
  const rows = await prisma.$queryRaw<{ status: string; n: bigint }[]>`
    SELECT status, count(*) AS n FROM email_deliveries WHERE notification_id = ${notificationId} GROUP BY status`;
  const counts = { pending: 0, sent: 0, failed: 0 };
  for (const r of rows) if (r.status in counts) counts[r.status as keyof typeof counts] = Number(r.n);
  return counts;
}
