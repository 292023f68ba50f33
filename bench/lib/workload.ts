import { randomUUID } from 'node:crypto';
import { messageRoutes, MessageType, newCloudEvent, type KratosIdentity } from '@identity-relay/contracts';
import { educatorIdentity, kratosSyncBody } from '@identity-relay/contracts/fixtures';

/** A realistic Kratos identity (the fixture's shape, ~1 KB as JSON) with its own id, email and update time. */
export function identityFor(id: string, n: number, updatedAt: string): KratosIdentity {
  const email = `user-${id.slice(0, 8)}-${n}@school.example`;
  return {
    ...structuredClone(educatorIdentity),
    id,
    traits: { email, user_type: n % 3 === 0 ? 'student' : 'educator', name: { first: 'Ada', last: `L${n}` } },
    updated_at: updatedAt,
  } as KratosIdentity;
}

/** The body Kratos posts to /kratos/sync-identity, for one identity. */
export function syncBodyFor(id: string, n = 0): string {
  return JSON.stringify(kratosSyncBody(identityFor(id, n, new Date().toISOString())));
}

/** The fixed body of the ingress throughput scenario (the fixture identity). */
export const FIXED_SYNC_BODY = JSON.stringify(kratosSyncBody(educatorIdentity));

export interface PreparedMessage {
  messageId: string;
  routingKey: string;
  type: string;
  body: Buffer;
}

/**
 * `count` KratosIdentityUpdated messages over `count / versions` identities, in rounds: round r holds
 * version r of every identity (newer `updated_at`), so a batch mostly holds distinct identities and each
 * identity is created once and updated `versions - 1` times.
 */
export function kratosUpdates(count: number, versions: number): PreparedMessage[] {
  const identities = Array.from({ length: Math.ceil(count / versions) }, () => randomUUID());
  const out: PreparedMessage[] = [];
  const base = Date.UTC(2026, 0, 1);
  for (let round = 0; out.length < count; round++) {
    for (const id of identities) {
      if (out.length === count) break;
      const event = newCloudEvent({
        type: MessageType.KratosIdentityUpdated,
        source: 'identity-relay/bench',
        data: { identity: identityFor(id, round, new Date(base + round * 60_000).toISOString()) },
      });
      out.push({
        messageId: event.id,
        type: event.type,
        routingKey: messageRoutes.KratosIdentityUpdated.routingKey(event.data),
        body: Buffer.from(JSON.stringify(event)),
      });
    }
  }
  return out;
}

/** `count` AuthentikUserChanged (updated, no user: identity-sync fetches each from the API), one pk each. */
export function authentikUpdates(count: number, firstPk = 1): PreparedMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const data = { action: 'updated' as const, pk: firstPk + i };
    const event = newCloudEvent({
      type: MessageType.AuthentikUserChanged,
      source: 'identity-relay/bench',
      data,
    });
    return {
      messageId: event.id,
      type: event.type,
      routingKey: messageRoutes.AuthentikUserChanged.routingKey(data),
      body: Buffer.from(JSON.stringify(event)),
    };
  });
}
