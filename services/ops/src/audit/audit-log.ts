import type { Prisma, PrismaClient } from '@identity-relay/db';
import { BadRequestError } from '../errors.js';
import { parseLimit, UUID } from '../store/filter.js';

/** One audit row as the API, console and CLI show it. */
export interface AuditItem {
  id: string;
  at: string;
  actor: string;
  /** replay | discard | purge | erase | unsuppress | resubscribe */
  action: string;
  deadLetterIds: string[];
  count: number;
  filter: unknown;
  detail: unknown;
}

export interface AuditPage {
  items: AuditItem[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export const AUDIT_ACTIONS = ['replay', 'discard', 'purge', 'erase', 'unsuppress', 'resubscribe'] as const;
const KEYS = ['actor', 'action', 'deadLetterId', 'identityId', 'since', 'until', 'limit', 'cursor'] as const;

function toItem(r: Prisma.AuditLogModel): AuditItem {
  return {
    id: r.id.toString(),
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    deadLetterIds: r.deadLetterIds,
    count: r.count,
    filter: r.filter,
    detail: r.detail,
  };
}

function date(key: string, value: string, problems: string[]): Date | undefined {
  const d = new Date(value);
  if (!Number.isNaN(d.getTime())) return d;
  problems.push(`${key}: must be an ISO 8601 date-time, got ${JSON.stringify(value)}`);
  return undefined;
}

/** Query-string input into a Prisma filter; every problem listed at once. */
export function parseAuditQuery(query: Record<string, unknown>): {
  where: Prisma.AuditLogWhereInput;
  limit: number;
  cursor?: bigint;
} {
  const problems: string[] = [];
  const and: Prisma.AuditLogWhereInput[] = [];
  let cursor: bigint | undefined;
  for (const [key, raw] of Object.entries(query)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      problems.push(`${key}: unknown filter (use ${KEYS.join(', ')})`);
      continue;
    }
    if (raw === undefined || raw === '' || key === 'limit') continue;
    if (typeof raw !== 'string') {
      problems.push(`${key}: must be a string`);
      continue;
    }
    if (key === 'actor') and.push({ actor: raw });
    else if (key === 'action') {
      if ((AUDIT_ACTIONS as readonly string[]).includes(raw)) and.push({ action: raw });
      else problems.push(`action: must be one of ${AUDIT_ACTIONS.join(', ')}, got ${JSON.stringify(raw)}`);
    } else if (key === 'deadLetterId' || key === 'identityId') {
      if (!UUID.test(raw)) problems.push(`${key}: must be a UUID, got ${JSON.stringify(raw)}`);
      else if (key === 'deadLetterId') and.push({ deadLetterIds: { has: raw.toLowerCase() } });
      else and.push({ detail: { path: ['identityId'], equals: raw.toLowerCase() } });
    } else if (key === 'since') {
      const d = date(key, raw, problems);
      if (d) and.push({ at: { gte: d } });
    } else if (key === 'until') {
      const d = date(key, raw, problems);
      if (d) and.push({ at: { lt: d } });
    } else if (key === 'cursor') {
      if (/^[1-9][0-9]{0,18}$/.test(raw)) cursor = BigInt(raw);
      else problems.push('cursor: not a cursor this API returned');
    }
  }
  let limit = 50;
  try {
    limit = parseLimit(query.limit);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (problems.length > 0) throw new BadRequestError(problems.join('; '), { code: 'bad_filter' });
  if (cursor !== undefined) and.push({ id: { lt: cursor } });
  return { where: { AND: and }, limit, cursor };
}

/** The audit log, newest first: who replayed, discarded, purged or erased what, and when. */
export class AuditLog {
  constructor(private readonly prisma: PrismaClient) {}

  async list(query: Record<string, unknown>): Promise<AuditPage> {
    const { where, limit } = parseAuditQuery(query);
    const rows = await this.prisma.auditLog.findMany({ where, orderBy: { id: 'desc' }, take: limit + 1 });
    const page = rows.slice(0, limit);
    return {
      items: page.map(toItem),
      nextCursor: rows.length > limit ? page.at(-1)!.id.toString() : null,
    };
  }
}
