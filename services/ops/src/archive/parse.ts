import { createHash } from 'node:crypto';
import { HEADERS, type RawDelivery } from '@identity-relay/bus';
import { fingerprintOf } from './fingerprint.js';
import { UUID } from '../store/filter.js';
import { REPLAY_HEADERS } from '../store/replay-message.js';
import { stableJson, toJsonSafe } from './json-safe.js';

/** One dead letter as stored in `dead_letters` (without the columns the database fills in). */
export interface DeadLetterRecord {
  queue: string;
  archiveKey: string;
  messageId: string | null;
  messageType: string | null;
  exchange: string | null;
  routingKey: string | null;
  headers: Record<string, unknown>;
  properties: Record<string, unknown>;
  body: Buffer;
  error: string | null;
  errorClass: string | null;
  errorCode: string | null;
  fingerprint: string;
  attempts: number | null;
  firstFailedAt: Date | null;
  deadLetteredAt: Date;
  service: string | null;
  host: string | null;
  /** `x-replayed-from`: the dead letter a replay that failed again came from. */
  replayedFromId: string | null;
}

/** RabbitMQ's own record of a dead-lettering (`x-death`), for messages the broker gave up on itself. */
interface Death {
  queue?: string;
  reason?: string;
  count?: number;
  exchange?: string;
  routingKeys?: string[];
  time?: Date;
}

/** Headers that change on every redelivery of the same dead letter and so must not make it look new. */
const VOLATILE_HEADERS = new Set(['x-delivery-count']);

/** AMQP properties replay needs to send the message as it was first published. */
const KEPT_PROPERTIES = [
  'contentType',
  'contentEncoding',
  'correlationId',
  'messageId',
  'timestamp',
  'type',
  'appId',
] as const;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const int = (v: unknown): number | null => {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'bigint' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : null;
};
const date = (v: unknown): Date | null => {
  if (typeof v !== 'string' && !(v instanceof Date)) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
};

const uuid = (v: unknown): string | null => {
  const text = str(v);
  return text && UUID.test(text) ? text.toLowerCase() : null;
};

/** The work queue a dead queue belongs to: `identity-sync.dead` → `identity-sync`. */
export function workQueueOf(deadQueue: string): string {
  return deadQueue.endsWith('.dead') ? deadQueue.slice(0, -'.dead'.length) : deadQueue;
}

function deathOf(headers: Record<string, unknown>, workQueue: string): Death | null {
  const raw = headers['x-death'];
  if (!Array.isArray(raw) || raw.length === 0) return null;
  const entries = raw.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null);
  const entry = entries.find((e) => e.queue === workQueue) ?? entries[0];
  if (!entry) return null;
  const keys = entry['routing-keys'];
  const time = typeof entry.time === 'number' ? new Date(entry.time * 1000) : date(entry.time);
  return {
    queue: str(entry.queue) ?? undefined,
    reason: str(entry.reason) ?? undefined,
    count: int(entry.count) ?? undefined,
    exchange: typeof entry.exchange === 'string' ? entry.exchange : undefined,
    routingKeys: Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : undefined,
    time: time ?? undefined,
  };
}

function bodyJson(body: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function keptProperties(d: RawDelivery): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of KEPT_PROPERTIES) {
    const value = d.properties[key] as unknown;
    if (value !== undefined && value !== null) out[key] = toJsonSafe(value);
  }
  return out;
}

function archiveKeyOf(d: RawDelivery): string {
  const headers = Object.fromEntries(Object.entries(d.headers).filter(([k]) => !VOLATILE_HEADERS.has(k)));
  const hash = createHash('sha256');
  for (const part of [d.queue, String(d.properties.messageId ?? ''), stableJson(headers)])
    hash.update(part).update('\0');
  return hash.update(d.content).digest('hex');
}

function brokerError(death: Death): string {
  const reason = death.reason ?? 'unknown';
  const after = death.count === undefined ? '' : ` (${death.count} time${death.count === 1 ? '' : 's'})`;
  if (reason === 'delivery_limit')
    return `RabbitMQ dead-lettered the message: delivery limit reached${after}`;
  return `RabbitMQ dead-lettered the message: ${reason}${after}`;
}

/**
 * What is known about one dead letter. Copies the consumer runtime dead-lettered carry the
 * `x-error…` headers; copies the broker dead-lettered itself (quorum delivery limit, TTL, length
 * limit) carry only `x-death`, and are stored with what it says.
 */
export function parseDeadLetter(d: RawDelivery, now = new Date()): DeadLetterRecord {
  const h = d.headers;
  const queue = workQueueOf(d.queue);
  const death = deathOf(h, queue);
  const json = bodyJson(d.content);
  const messageType = str(d.properties.type) ?? str(json?.type);
  const error = str(h[HEADERS.error]) ?? (death ? brokerError(death) : null);
  const errorClass = str(h[HEADERS.errorClass]) ?? (death ? `broker:${death.reason ?? 'unknown'}` : null);
  return {
    queue,
    archiveKey: archiveKeyOf(d),
    messageId: str(d.properties.messageId) ?? str(json?.id),
    messageType,
    exchange: str(h[HEADERS.originalExchange]) ?? death?.exchange ?? null,
    routingKey: str(h[HEADERS.originalRoutingKey]) ?? death?.routingKeys?.[0] ?? null,
    headers: toJsonSafe(h) as Record<string, unknown>,
    properties: keptProperties(d),
    body: d.content,
    error,
    errorClass,
    errorCode: str(h[HEADERS.errorCode]),
    fingerprint: fingerprintOf({ queue, messageType, errorClass, error }),
    // A broker dead-lettering keeps the retry hop's x-attempt: the attempt it was on when it gave up.
    attempts: int(h[HEADERS.attempts]) ?? int(h[HEADERS.attempt]) ?? null,
    firstFailedAt: date(h[HEADERS.firstFailedAt]),
    deadLetteredAt: date(h[HEADERS.deadLetteredAt]) ?? death?.time ?? now,
    service: str(h[HEADERS.service]),
    host: str(h[HEADERS.host]),
    replayedFromId: uuid(h[REPLAY_HEADERS.from]),
  };
}
