import { CompiledNotification, SINGLE_ADDRESS_PATTERN, TemplateError } from '@identity-relay/contracts';
import type { PrismaClient } from '@identity-relay/db';
import { BadRequestError, NotFoundError } from '../errors.js';
import { parseLimit } from '../store/filter.js';

// What recipients decided and how a notification went, for operators: suppressions (permanent bounces),
// opt-outs (one-click unsubscribes), per-recipient delivery status, and a preview of one recipient's email.
// Lifting a suppression and resubscribing are written to audit_log in the same transaction.

export const DELIVERY_STATUSES = ['sent', 'pending', 'failed', 'suppressed', 'unsubscribed'] as const;
export type DeliveryCounts = Record<(typeof DELIVERY_STATUSES)[number], number>;

export interface SuppressionItem {
  email: string;
  reason: string;
  notificationId: string | null;
  suppressedAt: string;
}

export interface OptOutItem {
  list: string;
  email: string;
  method: string;
  optedOutAt: string;
}

export interface DeliveryItem {
  email: string;
  status: string;
  attempts: number;
  smtpMessageId: string | null;
  /** The server's full reply to the last attempt. */
  smtpResponse: string | null;
  error: string | null;
  sentAt: string | null;
}

export interface NotificationSummary {
  id: string;
  topic: string;
  list: string;
  subject: string;
  requestedAt: string;
  recipients: number;
  counts: DeliveryCounts;
}

export interface NotificationDetail extends NotificationSummary {
  deliveries: DeliveryItem[];
}

export interface Preview {
  email: string;
  subject: string;
  text: string;
  html: string | null;
}

const ADDRESS = new RegExp(SINGLE_ADDRESS_PATTERN);
const LIST = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function address(raw: unknown): string {
  const email = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (!ADDRESS.test(email))
    throw new BadRequestError(`email: must be one email address, got ${JSON.stringify(raw)}`, {
      code: 'bad_email',
    });
  return email;
}

function listName(raw: unknown): string {
  if (typeof raw !== 'string' || !LIST.test(raw))
    throw new BadRequestError(`list: must be a list name ([a-z0-9._-]), got ${JSON.stringify(raw)}`, {
      code: 'bad_list',
    });
  return raw;
}

function countsOf(rows: readonly { status: string; n: bigint | number }[]): DeliveryCounts {
  const counts: DeliveryCounts = { sent: 0, pending: 0, failed: 0, suppressed: 0, unsubscribed: 0 };
  for (const r of rows) if (r.status in counts) counts[r.status as keyof DeliveryCounts] = Number(r.n);
  return counts;
}

interface NotificationRow {
  id: string;
  topic: string;
  list: string;
  subject: string;
  requestedAt: Date;
  recipients: number;
}

const summary = (n: NotificationRow, counts: DeliveryCounts): NotificationSummary => ({
  id: n.id,
  topic: n.topic,
  list: n.list,
  subject: n.subject,
  requestedAt: n.requestedAt.toISOString(),
  recipients: n.recipients,
  counts,
});

export class RecipientsService {
  constructor(private readonly prisma: PrismaClient) {}

  /** Suppressed addresses, newest first; `?email=` narrows to one. */
  async suppressions(query: Record<string, unknown>): Promise<{ items: SuppressionItem[] }> {
    const limit = parseLimit(query.limit, 100);
    const email = query.email === undefined || query.email === '' ? null : address(query.email);
    const rows = await this.prisma.suppression.findMany({
      where: email ? { email } : {},
      orderBy: { suppressedAt: 'desc' },
      take: limit,
    });
    return {
      items: rows.map((r) => ({
        email: r.email,
        reason: r.reason,
        notificationId: r.notificationId,
        suppressedAt: r.suppressedAt.toISOString(),
      })),
    };
  }

  /** Lifts a suppression: later notifications mail the address again. Audited as `unsuppress`. */
  async removeSuppression(rawEmail: unknown, actor: string): Promise<SuppressionItem> {
    const email = address(rawEmail);
    return this.prisma.$transaction(async (tx) => {
      const row = await tx.suppression.findUnique({ where: { email } });
      if (!row) throw new NotFoundError(`${email} is not suppressed`);
      await tx.suppression.delete({ where: { email } });
      await tx.auditLog.create({
        data: {
          actor,
          action: 'unsuppress',
          deadLetterIds: [],
          count: 1,
          detail: { email, reason: row.reason, suppressedAt: row.suppressedAt.toISOString() },
        },
      });
      return {
        email,
        reason: row.reason,
        notificationId: row.notificationId,
        suppressedAt: row.suppressedAt.toISOString(),
      };
    });
  }

  /** Opt-outs in force, newest first; `?list=` and `?email=` narrow them. */
  async optOuts(query: Record<string, unknown>): Promise<{ items: OptOutItem[] }> {
    const limit = parseLimit(query.limit, 100);
    const email = query.email === undefined || query.email === '' ? undefined : address(query.email);
    const list = query.list === undefined || query.list === '' ? undefined : listName(query.list);
    const rows = await this.prisma.subscriberOptOut.findMany({
      where: { resubscribedAt: null, ...(email && { email }), ...(list && { list }) },
      orderBy: { optedOutAt: 'desc' },
      take: limit,
    });
    return {
      items: rows.map((r) => ({
        list: r.list,
        email: r.email,
        method: r.method,
        optedOutAt: r.optedOutAt.toISOString(),
      })),
    };
  }

  /**
   * Lifts a person's opt-out of a list (they asked to get its emails again): the one way an opt-out ends.
   * Audited as `resubscribe`.
   */
  async resubscribe(rawList: unknown, rawEmail: unknown, actor: string): Promise<OptOutItem> {
    const list = listName(rawList);
    const email = address(rawEmail);
    return this.prisma.$transaction(async (tx) => {
      const row = await tx.subscriberOptOut.findUnique({ where: { list_email: { list, email } } });
      if (!row || row.resubscribedAt) throw new NotFoundError(`${email} has not opted out of ${list}`);
      await tx.subscriberOptOut.update({
        where: { list_email: { list, email } },
        data: { resubscribedAt: new Date(), resubscribedBy: actor },
      });
      await tx.auditLog.create({
        data: {
          actor,
          action: 'resubscribe',
          deadLetterIds: [],
          count: 1,
          detail: { list, email, optedOutAt: row.optedOutAt.toISOString(), method: row.method },
        },
      });
      return { list, email, method: row.method, optedOutAt: row.optedOutAt.toISOString() };
    });
  }

  /** The latest notifications with their delivery counts. */
  async notifications(query: Record<string, unknown>): Promise<{ items: NotificationSummary[] }> {
    const limit = parseLimit(query.limit, 20);
    const rows = await this.prisma.notification.findMany({ orderBy: { requestedAt: 'desc' }, take: limit });
    const ids = rows.map((r) => r.id);
    const counts = await this.prisma.$queryRaw<{ id: string; status: string; n: bigint }[]>`
      SELECT notification_id AS id, status, count(*) AS n FROM email_deliveries
      WHERE notification_id = ANY(${ids}::text[]) GROUP BY notification_id, status`;
    return { items: rows.map((r) => summary(r, countsOf(counts.filter((c) => c.id === r.id)))) };
  }

  /** One notification: counts by status and every recipient's status and SMTP reply. */
  async notification(id: string): Promise<NotificationDetail> {
    const n = await this.prisma.notification.findUnique({ where: { id } });
    if (!n) throw new NotFoundError(`no notification ${id}`);
    const rows = await this.prisma.emailDelivery.findMany({
      where: { notificationId: id },
      orderBy: { email: 'asc' },
    });
    const deliveries = rows.map((d) => ({
      email: d.email,
      status: d.status,
      attempts: d.attempts,
      smtpMessageId: d.smtpMessageId,
      smtpResponse: d.smtpResponse,
      error: d.error,
      sentAt: d.sentAt?.toISOString() ?? null,
    }));
    const byStatus = new Map<string, number>();
    for (const d of rows) byStatus.set(d.status, (byStatus.get(d.status) ?? 0) + 1);
    return {
      ...summary(n, countsOf([...byStatus].map(([status, count]) => ({ status, n: count })))),
      deliveries,
    };
  }

  /**
   * The notification's templates rendered for one of its recipients, with that recipient's synced traits, as
   * the notifier renders them (without the unsubscribe footer and headers the notifier adds).
   */
  async preview(id: string, rawEmail: unknown): Promise<Preview> {
    const email = address(rawEmail);
    const n = await this.prisma.notification.findUnique({ where: { id } });
    if (!n) throw new NotFoundError(`no notification ${id}`);
    const delivery = await this.prisma.emailDelivery.findUnique({
      where: { notificationId_email: { notificationId: id, email } },
    });
    if (!delivery) throw new NotFoundError(`${email} is not a recipient of ${id}`);
    const identity = delivery.identityId
      ? await this.prisma.identity.findUnique({ where: { id: delivery.identityId } })
      : null;
    const traits = (identity?.traits ?? {}) as Record<string, unknown>;
    try {
      const templates = new CompiledNotification({
        subject: n.subject,
        text: n.text ?? '',
        html: n.html,
        data: (n.templateData ?? null) as Record<string, unknown> | null,
      });
      return { email, ...templates.render({ email, traits }) };
    } catch (err) {
      if (err instanceof TemplateError) throw new BadRequestError(err.message, { code: 'template_error' });
      throw err;
    }
  }
}
