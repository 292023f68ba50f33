import type { IncomingMessage } from '@identity-relay/bus';
import type { CloudEvent, IdentityDeletionObservedData } from '@identity-relay/contracts';
import type { ApplyInput } from './batch-plan.js';

/**
 * `IdentityDeletionObserved` (the reconciler confirmed with a 404 that the IdP no longer has the identity) as a
 * tombstone, applied like any other change: inbox, row lock, tombstone rules, next version, outbox.
 */
export function deletionInput(msg: IncomingMessage): ApplyInput {
  const event = msg.body as CloudEvent<IdentityDeletionObservedData>;
  const { provider, externalId, observedAt } = event.data;
  return {
    messageId: event.id,
    occurredAt: event.time,
    change: { kind: 'delete', provider, externalId, occurredAt: observedAt },
    traceparent: msg.traceparent,
  };
}
