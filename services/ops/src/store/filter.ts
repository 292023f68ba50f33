import type { Prisma } from '@identity-relay/db';
import { BadRequestError } from '../errors.js';

export const STATUSES = ['open', 'replayed', 'discarded'] as const;
export type Status = (typeof STATUSES)[number];

/** Which dead letters an operator means: every field optional, all given ones must match. */
export interface DeadLetterFilter {
  queue?: string;
  type?: string;
  fingerprint?: string;
  status?: Status;
  /** dead_lettered_at >= since */
  since?: Date;
  /** dead_lettered_at < until */
  until?: Date;
  /** The message id (AMQP `messageId` / CloudEvent `id`). */
  messageId?: string;
  /** Mentions our identity id, or that identity's external id or email. */
  identityId?: string;
  /** Mentions this external (IdP) id. */
  externalId?: string;
  /** Mentions this email address (case-insensitive). */
  email?: string;
}

export const FILTER_KEYS = [
  'queue',
  'type',
  'fingerprint',
  'status',
  'since',
  'until',
  'messageId',
  'identityId',
  'externalId',
  'email',
] as const;

/** Filter keys matched against the body, headers and error text of each dead letter. */
export const MENTION_KEYS = ['identityId', 'externalId', 'email'] as const;

/**
 * Whether a filter (query or form) asks about a person. Such a search is personal data even with masked results:
 * its count says whether that person's messages failed.
 */
export function searchesPerson(input: Record<string, unknown>): boolean {
  return MENTION_KEYS.some((k) => input[k] !== undefined && input[k] !== '');
}

function parseDate(key: string, value: string, problems: string[]): Date | undefined {
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    problems.push(`${key}: must be an ISO 8601 date-time, got ${JSON.stringify(value)}`);
  return d;
}

/**
 * A filter from query-string or JSON input (unknown keys refused, so a typo never widens a bulk
 * action to everything). Empty strings count as absent.
 * @throws BadRequestError listing every problem.
 */
export function parseFilter(
  input: Record<string, unknown>,
  opts: { allow?: readonly string[] } = {},
): DeadLetterFilter {
  const problems: string[] = [];
  const filter: DeadLetterFilter = {};
  const allowed = new Set<string>([...FILTER_KEYS, ...(opts.allow ?? [])]);
  for (const [key, raw] of Object.entries(input)) {
    if (!allowed.has(key)) {
      problems.push(`${key}: unknown filter (use ${FILTER_KEYS.join(', ')})`);
      continue;
    }
    if (!(FILTER_KEYS as readonly string[]).includes(key) || raw === undefined || raw === null || raw === '')
      continue;
    if (typeof raw !== 'string') {
      problems.push(`${key}: must be a string`);
      continue;
    }
    if (key === 'status') {
      if ((STATUSES as readonly string[]).includes(raw)) filter.status = raw as Status;
      else problems.push(`status: must be one of ${STATUSES.join(', ')}, got ${JSON.stringify(raw)}`);
    } else if (key === 'since' || key === 'until') {
      filter[key] = parseDate(key, raw, problems);
    } else if (key === 'identityId' && !UUID.test(raw)) {
      problems.push(`identityId: must be a UUID, got ${JSON.stringify(raw)}`);
    } else {
      filter[key as 'queue' | 'type' | 'fingerprint' | 'messageId' | 'identityId' | 'externalId' | 'email'] =
        key === 'identityId' ? raw.toLowerCase() : raw;
    }
  }
  if (filter.since && filter.until && filter.since >= filter.until)
    problems.push('since: must be before until');
  if (problems.length > 0) throw new BadRequestError(problems.join('; '), { code: 'bad_filter' });
  return filter;
}

/** The column conditions of a filter; the mention keys need a search (`DeadLetterRepository.whereOf`). */
export function toWhere(filter: DeadLetterFilter): Prisma.DeadLetterWhereInput {
  const where: Prisma.DeadLetterWhereInput = {};
  if (filter.messageId) where.messageId = filter.messageId;
  if (filter.queue) where.queue = filter.queue;
  if (filter.type) where.messageType = filter.type;
  if (filter.fingerprint) where.fingerprint = filter.fingerprint;
  if (filter.status) where.status = filter.status;
  if (filter.since || filter.until) {
    where.deadLetteredAt = {
      ...(filter.since ? { gte: filter.since } : {}),
      ...(filter.until ? { lt: filter.until } : {}),
    };
  }
  return where;
}

/** The filter as JSON for the audit log and for echoing back to callers. */
export function filterToJson(filter: DeadLetterFilter): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (value !== undefined) out[key] = value instanceof Date ? value.toISOString() : String(value);
  }
  return out;
}

/** Opaque keyset cursor over (dead_lettered_at DESC, id DESC). */
export interface Cursor {
  at: Date;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.at.toISOString()}|${c.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  const [at, id] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  const date = new Date(at ?? '');
  if (!id || !UUID.test(id) || Number.isNaN(date.getTime())) {
    throw new BadRequestError('cursor: not a cursor this API returned', { code: 'bad_cursor' });
  }
  return { at: date, id };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** (default=50) Page size of lists, 1..500. */
export function parseLimit(raw: unknown, fallback = 50): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 500)
    throw new BadRequestError(`limit: must be an integer from 1 to 500, got ${JSON.stringify(raw)}`, {
      code: 'bad_limit',
    });
  return n;
}

export function checkId(id: string): string {
  if (!UUID.test(id))
    throw new BadRequestError(`id: must be a UUID, got ${JSON.stringify(id)}`, { code: 'bad_id' });
  return id.toLowerCase();
}
