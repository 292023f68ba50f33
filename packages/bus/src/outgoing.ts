import type { RawPublish } from './publisher.js';

export interface OutgoingMessage {
  exchange: string;
  routingKey: string;
  /** AMQP messageId; the idempotency key end to end (the CloudEvent `id`). */
  messageId: string;
  /** AMQP type (the CloudEvent `type`); consumers route on it. */
  type: string;
  /** Objects are serialised as JSON; Buffers are sent as they are. */
  body: Buffer | object;
  /** (default='application/cloudevents+json') */
  contentType?: string;
  /** When the event happened; sent with second precision as AMQP allows. */
  timestamp?: Date;
  /** e.g. W3C `traceparent`. */
  headers?: Record<string, unknown>;
}

export const DEFAULT_CONTENT_TYPE = 'application/cloudevents+json';

/** Persistent and mandatory: durable on disk once confirmed, and returned when nothing is bound. */
export function encodeOutgoing(msg: OutgoingMessage): RawPublish {
  const content = Buffer.isBuffer(msg.body) ? msg.body : Buffer.from(JSON.stringify(msg.body), 'utf8');
  return {
    exchange: msg.exchange,
    routingKey: msg.routingKey,
    content,
    properties: {
      persistent: true,
      mandatory: true,
      messageId: msg.messageId,
      type: msg.type,
      contentType: msg.contentType ?? DEFAULT_CONTENT_TYPE,
      timestamp: Math.floor((msg.timestamp ?? new Date()).getTime() / 1000),
      headers: { ...msg.headers },
    },
  };
}
