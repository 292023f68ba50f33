import type { Prisma, PrismaClient } from '@identity-relay/db';
import { NotFoundError } from '../errors.js';
import { encodeCursor, decodeCursor, toWhere, type DeadLetterFilter } from './filter.js';
import { deadLettersMentioning, mentionGroups } from './mentions.js';
import { REPLAY_HEADERS } from './replay-message.js';
import {
  toItem,
  type DeadLetterGroup,
  type DeadLetterItem,
  type EditView,
  type GroupProgress,
  type Lineage,
} from './views.js';

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
    const progress = await this.progress(out.map((g) => g.fingerprint));
    for (const g of out) g.progress = progress.get(g.fingerprint) ?? null;
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

  /** Corrected bodies replayed for a dead letter, oldest first. */
  async edits(id: string): Promise<EditView[]> {
    const rows = await this.prisma.deadLetterEdit.findMany({
      where: { deadLetterId: id },
      orderBy: { at: 'asc' },
    });
    return rows.map((r) => ({ id: r.id, actor: r.actor, at: r.at.toISOString(), diff: r.diff as unknown[] }));
  }

  /** What became of a replayed entry: its copies that failed again, and whether its consumer committed it. */
  async lineage(row: Prisma.DeadLetterModel): Promise<Lineage> {
    const replays = await this.prisma.deadLetter.findMany({
      where: { replayedFromId: row.id },
      select: { id: true, deadLetteredAt: true, status: true },
      orderBy: { deadLetteredAt: 'asc' },
    });
    const headers = (row.headers ?? {}) as Record<string, unknown>;
    const attempt = Number(headers[REPLAY_HEADERS.count]);
    let outcome: Lineage['outcome'] = null;
    if (row.status === 'replayed') {
      const failedAgain = replays.some((r) => row.resolvedAt && r.deadLetteredAt >= row.resolvedAt);
      const processed =
        !failedAgain &&
        row.messageId !== null &&
        (await this.prisma.processedMessage.count({
          where: { consumer: row.queue, messageId: row.messageId },
        })) > 0;
      outcome = failedAgain ? 'failed-again' : processed ? 'processed' : 'pending';
    }
    return {
      replayedFromId: row.replayedFromId,
      attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : null,
      replays: replays.map((r) => ({
        id: r.id,
        deadLetteredAt: r.deadLetteredAt.toISOString(),
        status: r.status,
      })),
      outcome,
    };
  }

  /** Per failure group, where its entries are: the progress of a bulk replay. */
  async progress(fingerprints: string[]): Promise<Map<string, GroupProgress>> {
    if (fingerprints.length === 0) return new Map();
    const rows = await this.prisma.$queryRaw<
      Array<{ fingerprint: string } & Record<keyof GroupProgress, bigint>>
    >`
      SELECT d.fingerprint, count(*) AS total,
        count(*) FILTER (WHERE d.status = 'open') AS open,
        count(*) FILTER (WHERE d.status = 'replayed') AS replayed,
        count(*) FILTER (WHERE d.status = 'discarded') AS discarded,
        count(*) FILTER (WHERE d.status = 'replayed' AND EXISTS (
          SELECT 1 FROM dead_letters c WHERE c.replayed_from_id = d.id AND c.dead_lettered_at >= d.resolved_at)) AS "failedAgain",
        count(*) FILTER (WHERE d.status = 'replayed' AND EXISTS (
          SELECT 1 FROM processed_messages p WHERE p.consumer = d.queue AND p.message_id = d.message_id)) AS processed
      FROM dead_letters d WHERE d.fingerprint = ANY(${fingerprints}::text[]) GROUP BY d.fingerprint`;
    return new Map(
      rows.map((r) => [
        r.fingerprint,
        {
          total: Number(r.total),
          open: Number(r.open),
          replayed: Number(r.replayed),
          discarded: Number(r.discarded),
          failedAgain: Number(r.failedAgain),
          processed: Number(r.processed),
        },
      ]),
    );
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
