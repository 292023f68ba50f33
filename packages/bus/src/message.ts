import type { ConsumeMessage } from 'amqplib';
import { InvalidMessageError } from './errors.js';
import { attemptOf, originalRoute } from './headers.js';
import type { Outcome } from './outcome.js';

/** One delivery as a handler sees it. */
export interface IncomingMessage {
  /** The parsed JSON body (undefined only for messages that never reach a handler). */
  body: unknown;
  /** The body bytes exactly as delivered. */
  raw: Buffer;
  messageId: string | undefined;
  /** AMQP `type`, falling back to the JSON body's `type`. */
  type: string;
  headers: Record<string, unknown>;
  /** The exchange and routing key it was first published with, also after retry hops. */
  exchange: string;
  routingKey: string;
  /** 1 on the first delivery, +1 per retry hop. */
  attempt: number;
  /** The broker's redelivered flag: an earlier delivery of this copy was not acked (crash, lost connection). */
  redelivered: boolean;
  /** W3C trace context: the `traceparent` header, else the CloudEvent attribute; undefined when neither is valid. */
  traceparent?: string;
}

/** Returns an outcome, or nothing to ack. Throwing a PermanentError dead-letters; any other error retries. */
export type MessageHandler = (msg: IncomingMessage) => Promise<Outcome | void>;

export interface ConsumerOptions {
  queue: string;
  /** Recorded in dead-letter headers, with the host name, so operators see who gave up. */
  service: string;
  /** (default=50) Unacked deliveries the broker sends at once; also how many handlers run concurrently. 1..65535. */
  prefetch?: number;
  /** Delay before each retry, in milliseconds; one `<queue>.retry.<delay>` queue each. Then dead. */
  retryDelaysMs: readonly number[];
  /** Keyed by message type. A type with no handler is dead-lettered at once. */
  handlers: Record<string, MessageHandler>;
  /** Schema errors for the body, or null when valid. Invalid messages are dead-lettered at once. */
  validate?: (type: string, body: unknown) => string[] | null;
}

export interface Consumer {
  /**
   * Stops taking new deliveries and waits up to `graceMs` (default=10000, milliseconds) for the
   * running handlers; deliveries still running then are requeued (nack) and their results ignored.
   */
  stop(graceMs?: number): Promise<void>;
}

export interface DecodedDelivery {
  message: IncomingMessage;
  /** Set when the delivery can never be handled: it goes to the dead queue without retries. */
  problem: InvalidMessageError | undefined;
}

function parseJson(raw: Buffer): { ok: true; value: unknown } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** A version-00-shaped `traceparent` with non-zero ids; anything else is not propagated. */
const TRACEPARENT = /^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

function traceparentOf(headers: Record<string, unknown>, body: unknown): string | undefined {
  const attribute =
    typeof body === 'object' && body !== null ? (body as { traceparent?: unknown }).traceparent : undefined;
  for (const value of [headers.traceparent, attribute]) {
    if (typeof value === 'string' && TRACEPARENT.test(value)) return value;
  }
  return undefined;
}

function bodyType(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const type = (body as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

/** Builds the handler's view of a delivery and says whether it can be handled at all. */
export function decodeDelivery(
  delivery: ConsumeMessage,
  options: Pick<ConsumerOptions, 'handlers' | 'validate'>,
): DecodedDelivery {
  const headers: Record<string, unknown> = { ...(delivery.properties.headers ?? {}) };
  const route = originalRoute(headers, delivery.fields);
  const parsed = parseJson(delivery.content);
  const propertyType = delivery.properties.type as unknown;
  const type =
    (typeof propertyType === 'string' && propertyType !== '' ? propertyType : undefined) ??
    (parsed.ok ? bodyType(parsed.value) : undefined) ??
    '';
  const messageId = delivery.properties.messageId as unknown;
  const message: IncomingMessage = {
    body: parsed.ok ? parsed.value : undefined,
    raw: delivery.content,
    messageId: typeof messageId === 'string' ? messageId : undefined,
    type,
    headers,
    exchange: route.exchange,
    routingKey: route.routingKey,
    attempt: attemptOf(headers),
    redelivered: delivery.fields.redelivered,
    traceparent: traceparentOf(headers, parsed.ok ? parsed.value : undefined),
  };
  return { message, problem: findProblem(message, parsed, options) };
}

function findProblem(
  message: IncomingMessage,
  parsed: ReturnType<typeof parseJson>,
  options: Pick<ConsumerOptions, 'handlers' | 'validate'>,
): InvalidMessageError | undefined {
  if (!parsed.ok) {
    const reason = parsed.error instanceof Error ? parsed.error.message : String(parsed.error);
    return new InvalidMessageError(`body is not JSON: ${reason}`, {
      code: 'UNPARSEABLE',
      cause: parsed.error,
    });
  }
  if (message.type === '') return new InvalidMessageError('message has no type', { code: 'NO_TYPE' });
  if (!Object.hasOwn(options.handlers, message.type)) {
    return new InvalidMessageError(`no handler for message type "${message.type}"`, { code: 'UNKNOWN_TYPE' });
  }
  const errors = options.validate?.(message.type, message.body) ?? null;
  if (errors && errors.length > 0) {
    return new InvalidMessageError(`${message.type} failed validation: ${errors.join('; ')}`, {
      code: 'SCHEMA_INVALID',
      details: errors,
    });
  }
  return undefined;
}
