import type { AuthentikUserChangedData } from './authentik.js';
import type { IdentityChangedData } from './identity-changed.js';
import type { IdentityDeletionObservedData } from './identity-deletion.js';
import type { IdentityErasedData } from './identity-erased.js';
import type { KratosIdentityUpdatedData } from './kratos/bodies.js';
import type { NotificationRequestedData } from './notification.js';
import type { UnsubscribeRequestedData } from './unsubscribe.js';

/** Every message type on the bus; the CloudEvents `type` and the AMQP `type` property. */
export const MessageType = {
  KratosIdentityUpdated: 'KratosIdentityUpdated',
  AuthentikUserChanged: 'AuthentikUserChanged',
  IdentityDeletionObserved: 'IdentityDeletionObserved',
  IdentityChanged: 'IdentityChanged',
  NotificationRequested: 'NotificationRequested',
  UnsubscribeRequested: 'UnsubscribeRequested',
  IdentityErased: 'IdentityErased',
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** The `data` of each message type. */
export interface MessageDataMap {
  KratosIdentityUpdated: KratosIdentityUpdatedData;
  AuthentikUserChanged: AuthentikUserChangedData;
  IdentityDeletionObserved: IdentityDeletionObservedData;
  IdentityChanged: IdentityChangedData;
  NotificationRequested: NotificationRequestedData;
  UnsubscribeRequested: UnsubscribeRequestedData;
  IdentityErased: IdentityErasedData;
}
export type DataOf<K extends MessageType> = MessageDataMap[K];

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && Object.hasOwn(MessageType, value);
}
