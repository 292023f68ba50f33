import { Prisma, sqlExecute, type PrismaClient } from '@identity-relay/db';

// Recipients in control: an address the server refused for good is suppressed for every later notification,
// and a person's opt-out of a list holds whatever the rules say. Both are decided when a notification is
// recorded (repository.ts); a sending round also re-checks what is still pending, so a delivery recorded
// before the bounce or the opt-out is skipped too.

/**
 * Marks the notification's pending deliveries that nobody holds as `suppressed` (the address is on the
 * suppression list) or `unsubscribed` (the person opted out of `list`), with no SMTP attempt. Returns how many.
 */
export async function skipHeldBack(
  prisma: PrismaClient,
  notificationId: string,
  list: string,
): Promise<number> {
  return sqlExecute(
    prisma,
    Prisma.sql`
    UPDATE email_deliveries d
    SET status = CASE WHEN s.email IS NOT NULL THEN 'suppressed' ELSE 'unsubscribed' END,
      error = COALESCE(s.reason, d.error), updated_at = now(), claimed_by = NULL, claimed_until = NULL
    FROM email_deliveries x
    LEFT JOIN suppressions s ON s.email = x.email
    LEFT JOIN subscriber_opt_outs o ON o.list = ${list} AND o.email = x.email AND o.resubscribed_at IS NULL
    WHERE x.notification_id = ${notificationId} AND x.status = 'pending'
      AND (x.claimed_until IS NULL OR x.claimed_until < now())
      AND (s.email IS NOT NULL OR o.email IS NOT NULL)
      AND d.notification_id = x.notification_id AND d.email = x.email`,
  );
}

export interface Bounce {
  email: string;
  /** The server's reply (or nodemailer's message when there is none). */
  reason: string;
}

/** Puts permanently refused addresses on the suppression list; an address already there keeps its first reason. */
export async function suppress(
  prisma: PrismaClient,
  notificationId: string,
  bounces: readonly Bounce[],
): Promise<void> {
  if (bounces.length === 0) return;
  const emails = bounces.map((b) => b.email.toLowerCase());
  const reasons = bounces.map((b) => b.reason.slice(0, 1000));
  await sqlExecute(
    prisma,
    Prisma.sql`
    INSERT INTO suppressions (email, reason, notification_id, suppressed_at)
    SELECT b.email, b.reason, ${notificationId}, now() FROM unnest(${emails}::text[], ${reasons}::text[]) AS b(email, reason)
    ON CONFLICT (email) DO NOTHING`,
  );
}
