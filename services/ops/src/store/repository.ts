import type { Prisma, PrismaClient } from '@identity-relay/db';
import { NotFoundError } from '../errors.js';
import { encodeCursor, decodeCursor, toWhere, type DeadLetterFilter } from './filter.js';
import { deadLettersMentioning, mentionGroups } from './mentions.js';
import { toItem, type DeadLetterGroup, type DeadLetterItem } from './views.js';

export interface Page {
  items: DeadLetterItem[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface DeadLetterCounts {
  total: number;
  byStatus: Record<string, number>;
  /** Open dead letters per work queue. */
  openByQueue: Record<string, number>;
}

export interface AuditEntry {
  actor: string;
  action: 'replay' | 'discard' | 'purge' | 'erase';
  deadLetterIds: string[];
  count: number;
  filter?: Record<string, string> | null;
  detail?: Record<string, unknown>;
}

/** Lists omit the body and headers: they can be large, and a list never shows them. */
const LIST_SELECT = { body: false, headers: false, properties: false } as const;

/** Reads of `dead_letters` and writes of `audit_log`; the only place that queries them. */
export class DeadLetterRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** The rows a filter means: its column conditions, and for the mention keys the ids whose content matches. */
  async whereOf(filter: DeadLetterFilter): Promise<Prisma.DeadLetterWhereInput> {
    const where = toWhere(filter);
    const groups = await mentionGroups(this.prisma, filter);
    if (!groups) return where;
    let ids: Set<string> | undefined;
    for (const terms of groups) {
      const found = await deadLettersMentioning(this.prisma, terms);
      ids = new Set(ids ? found.filter((id) => ids!.has(id)) : found);
    }
    return { AND: [where, { id: { in: [...(ids ?? [])] } }] };
  }

  /** Newest first, keyset-paginated on (dead_lettered_at, id) so pages stay stable while rows arrive. */
  async list(filter: DeadLetterFilter, opts: { limit: number; cursor?: string }): Promise<Page> {
    const where: Prisma.DeadLetterWhereInput[] = [await this.whereOf(filter)];
    if (opts.cursor) {
      const c = decodeCursor(opts.cursor);
      where.push({ OR: [{ deadLetteredAt: { lt: c.at } }, { deadLetteredAt: c.at, id: { lt: c.id } }] });
    }
    const rows = await this.prisma.deadLetter.findMany({
      where: { AND: where },
      omit: LIST_SELECT,
      orderBy: [{ deadLetteredAt: 'desc' }, { id: 'desc' }],
      take: opts.limit + 1,
    });
    const page = rows.slice(0, opts.limit);
    const last = page.at(-1);
    return {
      items: page.map(toItem),
      nextCursor:
        rows.length > opts.limit && last ? encodeCursor({ at: last.deadLetteredAt, id: last.id }) : null,
    };
  }

  async get(id: string): Promise<Prisma.DeadLetterModel> {
    const row = await this.prisma.deadLetter.findUnique({ where: { id } });
    if (!row) throw new NotFoundError(`no dead letter ${id}`);
    return row;
  }

  async count(where: Prisma.DeadLetterWhereInput): Promise<number> {
    return this.prisma.deadLetter.count({ where });
  }

  async sample(where: Prisma.DeadLetterWhereInput, take: number): Promise<DeadLetterItem[]> {
    const rows = await this.prisma.deadLetter.findMany({
      where,
      omit: LIST_SELECT,
      orderBy: [{ deadLetteredAt: 'asc' }, { id: 'asc' }],
      take,
    });
    return rows.map(toItem);
  }

  /** Ids matching `where`, oldest first: the set a bulk action works through. */
  async ids(where: Prisma.DeadLetterWhereInput): Promise<string[]> {
    const rows = await this.prisma.deadLetter.findMany({
      where,
      select: { id: true },
      orderBy: [{ deadLetteredAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map((r) => r.id);
  }

  /** Failures grouped by fingerprint, most recently seen first; the status defaults to open. */
  async groups(filter: DeadLetterFilter): Promise<DeadLetterGroup[]> {
    const where = await this.whereOf({ status: 'open', ...filter });
    const groups = await this.prisma.deadLetter.groupBy({
      by: ['fingerprint', 'queue', 'messageType', 'errorClass'],
      where,
      _count: { _all: true },
      _min: { deadLetteredAt: true },
      _max: { deadLetteredAt: true },
    });
    const out: DeadLetterGroup[] = [];
    for (const g of groups) {
      const latest = await this.prisma.deadLetter.findFirst({
        where: { ...where, fingerprint: g.fingerprint },
        select: { error: true },
        orderBy: { deadLetteredAt: 'desc' },
      });
      out.push({
        fingerprint: g.fingerprint,
        queue: g.queue,
        messageType: g.messageType,
        errorClass: g.errorClass,
        error: latest?.error ?? null,
        count: g._count._all,
        firstSeen: g._min.deadLetteredAt!.toISOString(),
        lastSeen: g._max.deadLetteredAt!.toISOString(),
      });
    }
    return out.sort((a, b) => b.lastSeen.localeCompare(a.lastSeen) || b.count - a.count);
  }

  async counts(): Promise<DeadLetterCounts> {
    const rows = await this.prisma.deadLetter.groupBy({ by: ['queue', 'status'], _count: { _all: true } });
    const counts: DeadLetterCounts = {
      total: 0,
      byStatus: { open: 0, replayed: 0, discarded: 0 },
      openByQueue: {},
    };
    for (const r of rows) {
      counts.total += r._count._all;
      counts.byStatus[r.status] = (counts.byStatus[r.status] ?? 0) + r._count._all;
      if (r.status === 'open') counts.openByQueue[r.queue] = r._count._all;
    }
    return counts;
  }

  async audit(entry: AuditEntry, tx: Prisma.TransactionClient = this.prisma): Promise<void> {
    await tx.auditLog.create({
      data: {
        actor: entry.actor,
        action: entry.action,
        deadLetterIds: entry.deadLetterIds,
        count: entry.count,
        filter: entry.filter ?? undefined,
        detail: (entry.detail ?? undefined) as Prisma.InputJsonObject | undefined,
      },
    });
  }
}
