// During a rolling upgrade the outbox migration runs while replicas of the previous release still insert
// identity_events rows the way they always did: one INSERT, no identity_outbox row. The identity_events trigger
// enqueues those rows too, so their IdentityChanged is still published by the new relay.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.dispose();
});

describe('rolling upgrade: a writer of the previous release', () => {
  test('gets its versioned event enqueued (not its unversioned one) and the relay publishes it', async () => {
    const identityId = randomUUID();
    const externalId = randomUUID();
    await h.prisma.identity.create({
      data: {
        id: identityId,
        provider: 'kratos',
        externalId,
        state: 'active',
        traits: { email: 'old@school.example' },
        sourceUpdatedAt: new Date('2026-01-01T10:00:00Z'),
        version: 1,
      },
    });
    const versioned = randomUUID();
    const unversioned = randomUUID();
    const payload = {
      identityId,
      change: 'created',
      identity: { provider: 'kratos', externalId, email: 'old@school.example' },
      previous: null,
      version: 1,
    };
    // Checked inside the writer's transaction: the relay cannot take the outbox row before it is seen.
    const enqueued = await h.prisma.$transaction(async (tx) => {
      // The previous release's statement: identity_events only, published_at left to its default (now dropped).
      await tx.$executeRaw`
        INSERT INTO identity_events (id, identity_id, version, type, payload, source_message_id, occurred_at, created_at)
        VALUES (${versioned}::uuid, ${identityId}::uuid, 1, 'identity.created', ${JSON.stringify(payload)}::jsonb,
                ${randomUUID()}, now(), clock_timestamp()),
               (${unversioned}::uuid, ${identityId}::uuid, NULL, 'identity.stale', '{"reason":"stale"}'::jsonb,
                ${randomUUID()}, now(), clock_timestamp() + interval '1 millisecond')`;
      return tx.$queryRaw<{ event_id: string; same_created_at: boolean }[]>`
        SELECT o.event_id::text AS event_id, o.created_at = e.created_at AS same_created_at
        FROM identity_outbox o JOIN identity_events e ON e.id = o.event_id
        WHERE e.identity_id = ${identityId}::uuid`;
    });
    expect(enqueued).toEqual([{ event_id: versioned, same_created_at: true }]);

    const changes = await h.settledChanges();
    expect(changes).toHaveLength(1);
    expect(changes[0]!.id).toBe(versioned);
    expect(changes[0]!.data).toMatchObject({ identityId, change: 'created', version: 1 });
  });
});
