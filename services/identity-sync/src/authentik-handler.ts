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
import type { ApplyInput, ApplyResult } from './batch-plan.js';

export interface AuthentikHandlerDeps {
  /** Null when AUTHENTIK_URL/AUTHENTIK_TOKEN are not configured: created/updated then dead-letter. */
  client: AuthentikClient | null;
  apply: (input: ApplyInput) => Promise<ApplyResult | 'duplicate'>;
  logger: Logger;
}

/**
 * The change one `AuthentikUserChanged` stands for. Authentik's webhook names only the user pk, so
 * created/updated fetch the user (unless the message already carries it) and upsert it; deleted — and a
 * user the API no longer has (404: deleted since the event) — is a tombstone keyed by pk. API failures
 * throw the client's errors: transient ones retry through the bus, a refused token dead-letters.
 */
export async function authentikChange(
  msg: IncomingMessage,
  client: AuthentikClient | null,
): Promise<ApplyInput> {
  const event = msg.body as CloudEvent<AuthentikUserChangedData>;
  const { action, pk } = event.data;
  const base = { messageId: event.id, occurredAt: event.time, traceparent: msg.traceparent };
  const tombstone: ApplyInput = {
    ...base,
    change: { kind: 'delete', provider: 'authentik', externalId: String(pk), occurredAt: event.time },
  };
  if (action === 'deleted') return tombstone;
  let user: AuthentikUser;
  if (isAuthentikUser(event.data.user)) {
    user = event.data.user;
  } else {
    if (!client) {
      throw new PermanentError(
        'AUTHENTIK_URL and AUTHENTIK_TOKEN are not configured: cannot fetch the Authentik user',
        {
          code: 'AUTHENTIK_NOT_CONFIGURED',
        },
      );
    }
    const lookup = await client.getUser(pk);
    if (lookup.status === 'gone') return tombstone;
    user = lookup.user;
  }
  return { ...base, change: { kind: 'upsert', identity: authentikToCanonical(user, event.time) } };
}

/** `AuthentikUserChanged` → identities, one message at a time (see `authentikChange`). */
export function authentikUserChangedHandler(deps: AuthentikHandlerDeps): MessageHandler {
  return async (msg: IncomingMessage) => {
    const input = await authentikChange(msg, deps.client);
    const result = await deps.apply(input);
    deps.logger.debug(
      { messageId: input.messageId, change: input.change.kind, result },
      input.change.kind === 'delete' ? 'authentik user tombstoned' : 'authentik user applied',
    );
  };
}
