import { PermanentError, type IncomingMessage, type MessageHandler } from '@identity-relay/bus';
import {
  authentikToCanonical,
  isAuthentikUser,
  type AuthentikUser,
  type AuthentikUserChangedData,
  type CloudEvent,
} from '@identity-relay/contracts';
import type { Logger } from 'pino';
import type { AuthentikClient } from './authentik-client.js';
import type { ApplyInput, ApplyResult } from './repository.js';

export interface AuthentikHandlerDeps {
  /** Null when AUTHENTIK_URL/AUTHENTIK_TOKEN are not configured: created/updated then dead-letter. */
  client: AuthentikClient | null;
  apply: (input: ApplyInput) => Promise<ApplyResult | 'duplicate'>;
  logger: Logger;
}

/**
 * `AuthentikUserChanged` → identities. Authentik's webhook names only the user pk, so created/updated fetch
 * the user (unless the message already carries it) and upsert it; deleted — and a user the API no longer
 * has (404: deleted since the event) — leaves a tombstone keyed by pk. API failures decide their own fate
 * through the client's errors: transient ones retry through the bus, a refused token dead-letters.
 */
export function authentikUserChangedHandler(deps: AuthentikHandlerDeps): MessageHandler {
  return async (msg: IncomingMessage) => {
    const event = msg.body as CloudEvent<AuthentikUserChangedData>;
    const { action, pk } = event.data;
    const tombstone = (why: string) =>
      deps
        .apply({
          messageId: event.id,
          occurredAt: event.time,
          traceparent: msg.traceparent,
          change: { kind: 'delete', provider: 'authentik', externalId: String(pk), occurredAt: event.time },
        })
        .then((result) =>
          deps.logger.debug({ messageId: event.id, pk, why, result }, 'authentik user tombstoned'),
        );

    if (action === 'deleted') return tombstone('deleted');
    let user: AuthentikUser;
    if (isAuthentikUser(event.data.user)) {
      user = event.data.user;
    } else {
      if (!deps.client) {
        throw new PermanentError(
          'AUTHENTIK_URL and AUTHENTIK_TOKEN are not configured: cannot fetch the Authentik user',
          {
            code: 'AUTHENTIK_NOT_CONFIGURED',
          },
        );
      }
      const lookup = await deps.client.getUser(pk);
      if (lookup.status === 'gone') return tombstone(`${action} but the user no longer exists`);
      user = lookup.user;
    }
    const result = await deps.apply({
      messageId: event.id,
      occurredAt: event.time,
      traceparent: msg.traceparent,
      change: { kind: 'upsert', identity: authentikToCanonical(user, event.time) },
    });
    deps.logger.debug({ messageId: event.id, pk, result }, 'authentik user applied');
  };
}
