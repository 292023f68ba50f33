/** Headers the consumer runtime writes on retry and dead-letter copies, and how it reads them back. */
export const HEADERS = {
  attempt: 'x-attempt',
  firstFailedAt: 'x-first-failed-at',
  lastError: 'x-last-error',
  originalExchange: 'x-original-exchange',
  originalRoutingKey: 'x-original-routing-key',
  error: 'x-error',
  errorClass: 'x-error-class',
  errorCode: 'x-error-code',
  attempts: 'x-attempts',
  deadLetteredAt: 'x-dead-lettered-at',
  service: 'x-service',
  host: 'x-host',
} as const;

/** Error text kept in headers, in UTF-8 bytes: enough to diagnose, small enough for a header table. */
export const MAX_ERROR_BYTES = 1024;

/** Headers the broker adds when it dead-letters or redelivers; a fresh copy must not carry stale ones. */
const BROKER_HEADERS = new Set(['x-death', 'x-delivery-count']);
const BROKER_HEADER_PREFIXES = ['x-first-death-', 'x-last-death-'];

export interface Route {
  exchange: string;
  routingKey: string;
}

/** The attempt this delivery is: `x-attempt` when it is a positive integer, else 1 (first delivery). */
export function attemptOf(headers: Record<string, unknown>): number {
  const raw = headers[HEADERS.attempt];
  const value = typeof raw === 'string' ? Number(raw) : raw;
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : 1;
}

/** Where the message was first published, surviving the hops through retry queues. */
export function originalRoute(headers: Record<string, unknown>, delivered: Route): Route {
  const exchange = headers[HEADERS.originalExchange];
  const routingKey = headers[HEADERS.originalRoutingKey];
  if (typeof exchange === 'string' && typeof routingKey === 'string') return { exchange, routingKey };
  return delivered;
}

/** The producer's headers, without broker bookkeeping. */
export function carriedHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (BROKER_HEADERS.has(key) || BROKER_HEADER_PREFIXES.some((p) => key.startsWith(p))) continue;
    out[key] = value;
  }
  return out;
}

/** Cuts text to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, maxBytes = MAX_ERROR_BYTES): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const marker = '…';
  const budget = maxBytes - Buffer.byteLength(marker);
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > budget) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end) + marker;
}

export function describeError(error: Error): string {
  return truncateUtf8(error.message || error.name);
}

function codeOf(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
}

function firstFailedAt(headers: Record<string, unknown>, now: Date): string {
  const kept = headers[HEADERS.firstFailedAt];
  return typeof kept === 'string' ? kept : now.toISOString();
}

export interface RetryHeaderInput {
  headers: Record<string, unknown>;
  error: Error;
  nextAttempt: number;
  original: Route;
  now: Date;
}

export function retryHeaders(input: RetryHeaderInput): Record<string, unknown> {
  return {
    ...carriedHeaders(input.headers),
    [HEADERS.attempt]: input.nextAttempt,
    [HEADERS.firstFailedAt]: firstFailedAt(input.headers, input.now),
    [HEADERS.lastError]: describeError(input.error),
    [HEADERS.originalExchange]: input.original.exchange,
    [HEADERS.originalRoutingKey]: input.original.routingKey,
  };
}

export interface DeadHeaderInput {
  headers: Record<string, unknown>;
  error: Error;
  attempts: number;
  original: Route;
  now: Date;
  service: string;
  host: string;
}

export function deadHeaders(input: DeadHeaderInput): Record<string, unknown> {
  const {
    [HEADERS.attempt]: _attempt,
    [HEADERS.lastError]: _lastError,
    ...kept
  } = carriedHeaders(input.headers);
  const code = codeOf(input.error);
  return {
    ...kept,
    [HEADERS.error]: describeError(input.error),
    [HEADERS.errorClass]: input.error.name,
    ...(code === undefined ? {} : { [HEADERS.errorCode]: code }),
    [HEADERS.attempts]: input.attempts,
    [HEADERS.firstFailedAt]: firstFailedAt(input.headers, input.now),
    [HEADERS.deadLetteredAt]: input.now.toISOString(),
    [HEADERS.originalExchange]: input.original.exchange,
    [HEADERS.originalRoutingKey]: input.original.routingKey,
    [HEADERS.service]: input.service,
    [HEADERS.host]: input.host,
  };
}
