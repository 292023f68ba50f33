import type { Prisma, PrismaClient } from '@identity-relay/db';
import { NotFoundError } from '../errors.js';
import { deadLettersMentioning, identityTerms } from '../store/mentions.js';
import {
  eventEntries,
  sortTimeline,
  type EventRow,
  type MembershipEntry,
  type TimelineEntry,
} from './timeline.js';

/** An identity as search results and the timeline header show it. */
export interface IdentityItem {
  id: string;
  provider: string;
  externalId: string;
  email: string | null;
  username: string | null;
  emailVerified: boolean;
  state: string;
  traits: unknown;
  version: number;
  sourceUpdatedAt: string;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  erasedAt: string | null;
}

export interface IdentityQuery {
  id?: string;
  email?: string;
  externalId?: string;
  provider?: string;
}

export interface Timeline {
  identity: IdentityItem;
  entries: TimelineEntry[];
}

/** Rows of each kind a timeline shows at most (the newest ones). */
export const TIMELINE_LIMIT = 500;

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

function toItem(r: Prisma.IdentityModel): IdentityItem {
  return {
    id: r.id,
    provider: r.provider,
    externalId: r.externalId,
    email: r.email,
    username: r.username,
    emailVerified: r.emailVerified,
    state: r.state,
    traits: r.traits,
    version: r.version,
    sourceUpdatedAt: r.sourceUpdatedAt.toISOString(),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    deletedAt: iso(r.deletedAt),
    erasedAt: iso(r.erasedAt),
  };
}

interface DeliveryRow {
  notification_id: string;
  email: string;
  status: string;
  attempts: number;
  smtp_message_id: string | null;
  error: string | null;
  sent_at: Date | null;
  updated_at: Date;
  topic: string | null;
  subject: string | null;
}

/** Reads of identities and of everything that mentions one; the ops service writes none of these here. */
export class IdentityRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Every given key must match; email case-insensitively. Newest change first. */
  async search(q: IdentityQuery, limit: number): Promise<IdentityItem[]> {
    const where: Prisma.IdentityWhereInput = {};
    if (q.id) where.id = q.id;
    if (q.email) where.email = { equals: q.email, mode: 'insensitive' };
    if (q.externalId) where.externalId = q.externalId;
    if (q.provider) where.provider = q.provider;
    const rows = await this.prisma.identity.findMany({ where, orderBy: { updatedAt: 'desc' }, take: limit });
    return rows.map(toItem);
  }

  async get(id: string): Promise<IdentityItem> {
    const row = await this.prisma.identity.findUnique({ where: { id } });
    if (!row) throw new NotFoundError(`no identity ${id}`);
    return toItem(row);
  }

  async timeline(id: string): Promise<Timeline> {
    const identity = await this.get(id);
    const [events, memberships, deadLetters] = await Promise.all([
      this.events(id),
      this.memberships(id, identity.email),
      this.deadLetters(id),
    ]);
    const addresses = new Set<string>(memberships.map((m) => m.email.toLowerCase()));
    if (identity.email) addresses.add(identity.email.toLowerCase());
    const [emails, optOuts] = await Promise.all([
      this.emails(id, [...addresses]),
      this.optOuts([...addresses]),
    ]);
    const entries: TimelineEntry[] = [
      ...events.flatMap((e) => eventEntries(e, identity.provider)),
      ...memberships,
      ...optOuts,
      ...emails,
      ...deadLetters,
    ];
    return { identity, entries: sortTimeline(entries) };
  }

  private async events(identityId: string): Promise<EventRow[]> {
    const rows = await this.prisma.identityEvent.findMany({
      where: { identityId },
      orderBy: { createdAt: 'desc' },
      take: TIMELINE_LIMIT,
    });
    const pending = await this.prisma.identityOutbox.findMany({
      where: { eventId: { in: rows.map((r) => r.id) } },
      select: { eventId: true },
    });
    const unpublished = new Set(pending.map((p) => p.eventId));
    return rows.reverse().map((r) => ({ ...r, published: r.version !== null && !unpublished.has(r.id) }));
  }

  /** Subscriptions of the identity (or of its current address) to lists, as events over time. */
  private async memberships(identityId: string, email: string | null): Promise<MembershipEntry[]> {
    const rows = await this.prisma.subscriber.findMany({
      where: {
        OR: [{ identityId }, ...(email ? [{ email: { equals: email, mode: 'insensitive' as const } }] : [])],
      },
      orderBy: { subscribedAt: 'desc' },
      take: TIMELINE_LIMIT,
    });
    return rows.flatMap((r) => {
      const out: MembershipEntry[] = [
        {
          at: r.subscribedAt.toISOString(),
          kind: 'membership',
          list: r.list,
          event: 'subscribed',
          email: r.email,
        },
      ];
      if (r.unsubscribedAt) {
        out.push({
          at: r.unsubscribedAt.toISOString(),
          kind: 'membership',
          list: r.list,
          event: 'unsubscribed',
          email: r.email,
        });
      }
      return out;
    });
  }

  /** Opt-outs (and an operator's resubscription) and suppressions of the identity's addresses. */
  private async optOuts(addresses: string[]): Promise<MembershipEntry[]> {
    if (addresses.length === 0) return [];
    const [optOuts, suppressions] = await Promise.all([
      this.prisma.subscriberOptOut.findMany({ where: { email: { in: addresses } }, take: TIMELINE_LIMIT }),
      this.prisma.suppression.findMany({ where: { email: { in: addresses } } }),
    ]);
    const out: MembershipEntry[] = [];
    for (const o of optOuts) {
      const base = { kind: 'membership', list: o.list, email: o.email } as const;
      out.push({ ...base, at: o.optedOutAt.toISOString(), event: 'opted-out', detail: o.method });
      if (o.resubscribedAt) {
        out.push({
          ...base,
          at: o.resubscribedAt.toISOString(),
          event: 'resubscribed',
          detail: o.resubscribedBy,
        });
      }
    }
    for (const s of suppressions) {
      out.push({
        at: s.suppressedAt.toISOString(),
        kind: 'membership',
        list: '*',
        email: s.email,
        event: 'suppressed',
        detail: s.reason,
      });
    }
    return out;
  }

  private async emails(identityId: string, addresses: string[]): Promise<TimelineEntry[]> {
    const rows = await this.prisma.$queryRaw<DeliveryRow[]>`
      SELECT d.notification_id, d.email, d.status, d.attempts, coalesce(d.smtp_response, d.smtp_message_id) AS smtp_message_id,
             d.error, d.sent_at, d.updated_at, n.topic, n.subject
      FROM email_deliveries d LEFT JOIN notifications n ON n.id = d.notification_id
      WHERE d.identity_id = ${identityId}::uuid OR lower(d.email) = ANY(${addresses}::text[])
      ORDER BY d.updated_at DESC LIMIT ${TIMELINE_LIMIT}`;
    return rows.map((r) => ({
      at: (r.sent_at ?? r.updated_at).toISOString(),
      kind: 'email',
      notificationId: r.notification_id,
      topic: r.topic,
      subject: r.subject,
      email: r.email,
      status: r.status,
      attempts: r.attempts,
      smtpResponse: r.smtp_message_id,
      error: r.error,
    }));
  }

  private async deadLetters(identityId: string): Promise<TimelineEntry[]> {
    const ids = await deadLettersMentioning(
      this.prisma,
      await identityTerms(this.prisma, identityId),
      TIMELINE_LIMIT,
    );
    if (ids.length === 0) return [];
    const rows = await this.prisma.deadLetter.findMany({
      where: { id: { in: ids } },
      omit: { body: true, headers: true, properties: true },
    });
    return rows.map((r) => ({
      at: r.deadLetteredAt.toISOString(),
      kind: 'dead-letter',
      id: r.id,
      queue: r.queue,
      messageId: r.messageId,
      messageType: r.messageType,
      status: r.status,
      errorClass: r.errorClass,
      error: r.error,
    }));
  }
}
