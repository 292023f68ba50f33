import type { ValidateFunction } from 'ajv';
import { compile, formatErrors } from './ajv.js';
import { authentikUserChangedDataSchema } from './authentik.js';
import { cloudEventSchema, type CloudEvent } from './cloud-event.js';
import { identityChangedDataSchema } from './identity-changed.js';
import { identityDeletionObservedDataSchema } from './identity-deletion.js';
import { identityErasedDataSchema } from './identity-erased.js';
import { kratosIdentityUpdatedDataSchema } from './kratos/bodies.js';
import { isMessageType, MessageType, type DataOf } from './message-type.js';
import { notificationRequestedDataSchema } from './notification.js';
import { unsubscribeRequestedDataSchema } from './unsubscribe.js';

export interface MessageRoute<K extends MessageType> {
  exchange: string;
  routingKey(data: DataOf<K>): string;
}

/** Where each message type is published (DESIGN.md "Messages"). */
export const messageRoutes: { [K in MessageType]: MessageRoute<K> } = {
  KratosIdentityUpdated: { exchange: 'identity.events', routingKey: () => 'kratos.identity.updated' },
  AuthentikUserChanged: { exchange: 'identity.events', routingKey: (d) => `authentik.user.${d.action}` },
  IdentityDeletionObserved: {
    exchange: 'identity.events',
    routingKey: (d) => `${d.provider}.identity.deleted`,
  },
  IdentityChanged: { exchange: 'identity.changes', routingKey: (d) => `identity.${d.change}` },
  NotificationRequested: { exchange: 'notifications', routingKey: (d) => `notification.${d.topic}` },
  UnsubscribeRequested: { exchange: 'subscriptions', routingKey: () => 'subscription.unsubscribe' },
  IdentityErased: { exchange: 'identity.erasures', routingKey: () => 'identity.erased' },
};

/** The schema of each message type's `data`. */
export const messageDataSchemas: { readonly [K in MessageType]: object } = {
  KratosIdentityUpdated: kratosIdentityUpdatedDataSchema,
  AuthentikUserChanged: authentikUserChangedDataSchema,
  IdentityDeletionObserved: identityDeletionObservedDataSchema,
  IdentityChanged: identityChangedDataSchema,
  NotificationRequested: notificationRequestedDataSchema,
  UnsubscribeRequested: unsubscribeRequestedDataSchema,
  IdentityErased: identityErasedDataSchema,
};

// One full-message schema per type, built and compiled once on first use.
const messageSchemas = new Map<MessageType, object>();

/** The compiled validator of a whole message (envelope + data) of one type. */
export function messageValidator<K extends MessageType>(type: K): ValidateFunction<CloudEvent<DataOf<K>>> {
  let schema = messageSchemas.get(type);
  if (!schema) {
    schema = cloudEventSchema(type, messageDataSchemas[type]);
    messageSchemas.set(type, schema);
  }
  return compile<CloudEvent<DataOf<K>>>(schema);
}

/**
 * Validates a message body of the given type: null when valid, else human-readable errors such as
 * `'/data/identity/id: must be string'`. An unknown type is an error too. This is the `validate`
 * option of the bus consumer.
 */
export function validateMessage(type: string, body: unknown): string[] | null {
  if (!isMessageType(type)) return [`unknown message type ${JSON.stringify(type)}`];
  const validate = messageValidator(type);
  return validate(body) ? null : formatErrors(validate.errors);
}

/** Type guard form of {@link validateMessage}. */
export function isMessage<K extends MessageType>(type: K, body: unknown): body is CloudEvent<DataOf<K>> {
  return messageValidator(type)(body);
}
