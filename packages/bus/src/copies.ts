import type { ConsumeMessage, Options } from 'amqplib';
import { deadHeaders, retryHeaders, type Route } from './headers.js';
import type { RawPublish } from './publisher.js';
import { deadQueueName, retryQueueName } from './topology.js';

/**
 * The delivery's properties for a republished copy: same id, type, content type and timestamp.
 * `userId` is dropped because the broker refuses a copy whose user-id differs from the
 * republishing connection's user; `expiration` is dropped so a retry queue's TTL alone decides.
 */
function copiedProperties(delivery: ConsumeMessage, headers: Record<string, unknown>): Options.Publish {
  const p = delivery.properties;
  const properties: Options.Publish = { persistent: true, mandatory: true, headers };
  const keep = [
    'contentType',
    'contentEncoding',
    'correlationId',
    'replyTo',
    'messageId',
    'timestamp',
    'type',
    'appId',
    'priority',
  ] as const;
  for (const key of keep) {
    const value = p[key] as unknown;
    if (value !== undefined && value !== null) (properties as Record<string, unknown>)[key] = value;
  }
  return properties;
}

export interface RetryCopyInput {
  delivery: ConsumeMessage;
  queue: string;
  error: Error;
  delayMs: number;
  nextAttempt: number;
  original: Route;
  now: Date;
}

/** The same bytes, sent through the default exchange to `<queue>.retry.<delay>`. */
export function retryCopy(input: RetryCopyInput): RawPublish {
  const headers = retryHeaders({
    headers: input.delivery.properties.headers ?? {},
    error: input.error,
    nextAttempt: input.nextAttempt,
    original: input.original,
    now: input.now,
  });
  return {
    exchange: '',
    routingKey: retryQueueName(input.queue, input.delayMs),
    content: input.delivery.content,
    properties: copiedProperties(input.delivery, headers),
  };
}

export interface DeadCopyInput {
  delivery: ConsumeMessage;
  queue: string;
  error: Error;
  attempts: number;
  original: Route;
  now: Date;
  service: string;
  host: string;
}

/** The same bytes, sent through the default exchange to `<queue>.dead`, with the failure recorded. */
export function deadCopy(input: DeadCopyInput): RawPublish {
  const headers = deadHeaders({
    headers: input.delivery.properties.headers ?? {},
    error: input.error,
    attempts: input.attempts,
    original: input.original,
    now: input.now,
    service: input.service,
    host: input.host,
  });
  return {
    exchange: '',
    routingKey: deadQueueName(input.queue),
    content: input.delivery.content,
    properties: copiedProperties(input.delivery, headers),
  };
}
