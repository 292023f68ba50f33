import { randomUUID } from 'node:crypto';
import type { JSONSchemaType } from 'ajv';
import type { MessageType } from './message-type.js';
import { requiredKeys } from './required-keys.js';
import { normalizeTime } from './time.js';

/** A CloudEvents 1.0 event in structured mode, as every identity-relay message travels. */
export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  /** The idempotency key, end to end. */
  id: string;
  source: string;
  type: string;
  /** When the event happened at its origin (e.g. the IdP), not when it was published. */
  time: string;
  datacontenttype: 'application/json';
  subject?: string;
  /** W3C trace context of the producing request. */
  traceparent?: string;
  data: T;
}

const TRACEPARENT_PATTERN = '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$';

/** Envelope attributes of {@link CloudEvent}, without `data`. */
type CloudEventEnvelope = Omit<CloudEvent, 'data' | 'subject' | 'traceparent'> & {
  // JSONSchemaType's optional properties are nullable, so the envelope schema accepts null for these.
  subject?: string | null;
  traceparent?: string | null;
};

const envelopeSchema: JSONSchemaType<CloudEventEnvelope> = {
  type: 'object',
  // CloudEvents extension attributes are allowed.
  additionalProperties: true,
  required: requiredKeys<CloudEventEnvelope>()([
    'specversion',
    'id',
    'source',
    'type',
    'time',
    'datacontenttype',
  ]),
  properties: {
    specversion: { type: 'string', const: '1.0' },
    id: { type: 'string', minLength: 1 },
    source: { type: 'string', minLength: 1 },
    type: { type: 'string', minLength: 1 },
    time: { type: 'string', format: 'date-time' },
    datacontenttype: { type: 'string', const: 'application/json' },
    subject: { type: 'string', minLength: 1, nullable: true },
    traceparent: { type: 'string', pattern: TRACEPARENT_PATTERN, nullable: true },
  },
};

/**
 * The schema of a `CloudEvent<T>` of one type: the envelope with `type` fixed and `data` checked.
 * Typed by hand rather than JSONSchemaType: a generic T cannot be checked inside the generic function;
 * cloud-event.test.ts proves the result accepts newCloudEvent's output and refuses a wrong envelope.
 */
export function cloudEventSchema(type: MessageType, dataSchema: object): object {
  return {
    ...envelopeSchema,
    required: [...envelopeSchema.required, 'data'],
    properties: { ...envelopeSchema.properties, type: { type: 'string', const: type }, data: dataSchema },
  };
}

export interface NewCloudEventArgs<T> {
  type: MessageType;
  source: string;
  data: T;
  /** (default=crypto.randomUUID()) Pass the IdP's own event id when it has one, for idempotency. */
  id?: string;
  /** (default=now) When the event happened; normalised to ISO 8601 UTC. */
  time?: string | Date;
  subject?: string;
  traceparent?: string;
}

/** Builds a CloudEvent; optional attributes left undefined are omitted, not set to undefined. */
export function newCloudEvent<T>(a: NewCloudEventArgs<T>): CloudEvent<T> {
  const event: CloudEvent<T> = {
    specversion: '1.0',
    id: a.id ?? randomUUID(),
    source: a.source,
    type: a.type,
    time: normalizeTime(a.time ?? new Date()),
    datacontenttype: 'application/json',
    data: a.data,
  };
  if (a.subject !== undefined) event.subject = a.subject;
  if (a.traceparent !== undefined) event.traceparent = a.traceparent;
  return event;
}
