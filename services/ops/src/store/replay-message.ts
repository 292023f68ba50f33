import { HEADERS, type OutgoingMessage } from '@identity-relay/bus';
import type { Prisma } from '@identity-relay/db';

/** Headers a replay adds, so consumers and operators can tell a replayed copy. */
export const REPLAY_HEADERS = {
  count: 'x-replay-count',
  at: 'x-replayed-at',
  by: 'x-replayed-by',
  /** The dead letter this copy was replayed from: if it fails again, the archive links the two. */
  from: 'x-replayed-from',
} as const;

/**
 * Failure bookkeeping that must not travel with a replay: the retry count starts over, and a
 * stale `x-original-*` would be read as the route of the new copy.
 */
const FAILURE_HEADERS = new Set<string>([
  HEADERS.attempt,
  HEADERS.attempts,
  HEADERS.lastError,
  HEADERS.error,
  HEADERS.errorClass,
  HEADERS.errorCode,
  HEADERS.firstFailedAt,
  HEADERS.deadLetteredAt,
  HEADERS.originalExchange,
  HEADERS.originalRoutingKey,
  HEADERS.service,
  HEADERS.host,
  'x-death',
  'x-delivery-count',
  REPLAY_HEADERS.count,
  REPLAY_HEADERS.at,
  REPLAY_HEADERS.by,
  REPLAY_HEADERS.from,
]);
const FAILURE_PREFIXES = ['x-first-death-', 'x-last-death-'];

/** Reverses the archive's JSON-safe encoding of byte headers (`{ $base64 }`). */
function fromJsonSafe(value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const b64 = (value as { $base64?: unknown }).$base64;
    if (keys.length === 1 && typeof b64 === 'string') return Buffer.from(b64, 'base64');
  }
  return value;
}

export function replayHeaders(
  stored: unknown,
  replayCount: number,
  actor: string,
  now: Date,
  from?: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const headers = stored && typeof stored === 'object' ? (stored as Record<string, unknown>) : {};
  for (const [key, value] of Object.entries(headers)) {
    if (FAILURE_HEADERS.has(key) || FAILURE_PREFIXES.some((p) => key.startsWith(p))) continue;
    out[key] = fromJsonSafe(value);
  }
  out[REPLAY_HEADERS.count] = replayCount;
  out[REPLAY_HEADERS.at] = now.toISOString();
  out[REPLAY_HEADERS.by] = actor;
  if (from) out[REPLAY_HEADERS.from] = from;
  return out;
}

/**
 * The message a replay publishes: the original bytes, id, type and headers, to the exchange and
 * routing key it was first published with. When the route is unknown it goes straight to the work
 * queue through the default exchange. `body` replaces the stored bytes for an edited replay.
 */
export function replayMessage(
  row: Prisma.DeadLetterModel,
  actor: string,
  now: Date,
  body?: Buffer,
): OutgoingMessage {
  const props = (row.properties ?? {}) as Record<string, unknown>;
  const routeKnown = row.exchange !== null;
  return {
    exchange: routeKnown ? row.exchange! : '',
    routingKey: routeKnown ? (row.routingKey ?? '') : row.queue,
    messageId: row.messageId ?? row.id,
    type: row.messageType ?? '',
    body: body ?? Buffer.from(row.body),
    ...(typeof props.contentType === 'string' ? { contentType: props.contentType } : {}),
    ...(typeof props.timestamp === 'number' ? { timestamp: new Date(props.timestamp * 1000) } : {}),
    headers: replayHeaders(row.headers, row.replayCount + 1, actor, now, row.id),
  };
}
