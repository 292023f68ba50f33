import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { deadQueueName, QUEUES } from '@identity-relay/bus';
import { drainQueue, readQueue, waitForQueueSettled } from '@identity-relay/bus/testing';
import { kratosIdentity, startHarness, waitFor, type Harness } from './harness.js';

// Real broker and database. Messages are published before the worker starts, so its first deliveries
// arrive together and are applied as one batch (one transaction: one processed_at for all).
let h: Harness;
beforeEach(async () => {
  h = await startHarness({ replicas: 0 });
});
afterEach(async () => {
  await h?.dispose();
});

const inbox = () =>
  h.prisma.$queryRaw<{ message_id: string; processed_at: Date }[]>`
    SELECT message_id, processed_at FROM processed_messages`;
const history = (externalId: string) =>
  h.prisma.$queryRaw<{ version: number | null; type: string; email: string | null }[]>`
    SELECT e.version, e.type, e.payload->'identity'->>'email' AS email
    FROM identity_events e JOIN identities i ON i.id = e.identity_id
    WHERE i.external_id = ${externalId} ORDER BY e.created_at`;
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
const withEmail = (id: string, email: string, updatedAt: string) =>
  kratosIdentity(id, { traits: { email, user_type: 'educator' }, updated_at: updatedAt });

describe('identity-sync batches', () => {
  test('duplicate message ids inside one batch are applied once', async () => {
    const id = randomUUID();
    const messageId = randomUUID();
    const other = randomUUID();
    await h.publishKratos(withEmail(id, 'a@school.edu', at(1)), { id: messageId });
    await h.publishKratos(withEmail(id, 'a@school.edu', at(1)), { id: messageId });
    await h.publishKratos(withEmail(other, 'b@school.edu', at(1)));
    // The batch closes at its third message, not at a wait a loaded machine's deliveries may outlast.
    await h.startWorker({ batchSize: 3, batchWaitMs: 30_000 });
    const rows = await waitFor(inbox, (r) => r.length === 2);
    expect(rows).toHaveLength(2);
    expect(new Set(rows.map((r) => r.processed_at.getTime())).size).toBe(1); // one transaction
    expect(await history(id)).toEqual([{ version: 1, type: 'identity.created', email: 'a@school.edu' }]);
    const changes = await h.settledChanges(); // everything handled: nothing more can come
    expect(changes.map((c) => c.data.identity.externalId).sort()).toEqual([id, other].sort());
  });

  test('several updates of one identity in one batch: consecutive versions, stale one recorded, newest wins', async () => {
    const id = randomUUID();
    const sequence = [
      withEmail(id, 'v1@school.edu', at(1)),
      withEmail(id, 'v2@school.edu', at(2)),
      withEmail(id, 'old@school.edu', at(0)), // older than what is stored by then: stale
      withEmail(id, 'v3@school.edu', at(3)),
    ];
    for (const identity of sequence) await h.publishKratos(identity);
    await h.startWorker({ batchSize: 4, batchWaitMs: 30_000 }); // one batch of exactly these four
    const rows = await waitFor(inbox, (r) => r.length === 4);
    expect(new Set(rows.map((r) => r.processed_at.getTime())).size).toBe(1);
    expect(await history(id)).toEqual([
      { version: 1, type: 'identity.created', email: 'v1@school.edu' },
      { version: 2, type: 'identity.updated', email: 'v2@school.edu' },
      { version: null, type: 'identity.stale', email: 'old@school.edu' },
      { version: 3, type: 'identity.updated', email: 'v3@school.edu' },
    ]);
    const [row] = await h.prisma.$queryRaw<{ email: string; version: number }[]>`
      SELECT email, version FROM identities WHERE external_id = ${id}`;
    expect(row).toEqual({ email: 'v3@school.edu', version: 3 });
    const changes = await h.readChanges(3);
    expect(changes.map((c) => [c.data.version, c.data.previous?.email ?? null])).toEqual([
      [1, null],
      [2, 'v1@school.edu'],
      [3, 'v2@school.edu'],
    ]);
  });

  test('an update in a later batch continues the versions of an earlier one', async () => {
    const id = randomUUID();
    await h.publishKratos(withEmail(id, 'v1@school.edu', at(1)));
    await h.publishKratos(withEmail(id, 'v2@school.edu', at(2)));
    await h.startWorker();
    await waitFor(inbox, (r) => r.length === 2);
    await h.publishKratos(withEmail(id, 'v3@school.edu', at(3)));
    await waitFor(inbox, (r) => r.length === 3);
    expect((await history(id)).map((e) => e.version)).toEqual([1, 2, 3]);
  });

  test('a poison message inside a batch is dead-lettered alone; the others are applied', async () => {
    const good = [randomUUID(), randomUUID(), randomUUID()];
    const poison = randomUUID();
    await h.publishKratos(withEmail(good[0]!, 'a@school.edu', at(1)));
    // Valid JSON and schema, but Postgres' jsonb refuses \u0000: the statement fails every time.
    const bad = await h.publishKratos(
      kratosIdentity(poison, { traits: { email: 'p@school.edu', user_type: 'educator', note: 'nul\u0000' } }),
    );
    await h.publishKratos(withEmail(good[1]!, 'b@school.edu', at(1)));
    await h.publishKratos(withEmail(good[2]!, 'c@school.edu', at(1)));
    await h.startWorker();
    const dead = await readQueue(h.vhostUrl, deadQueueName(QUEUES.identitySync), {
      count: 1,
      timeoutMs: 15_000,
    });
    expect(dead).toHaveLength(1);
    expect(dead[0]!.properties.messageId).toBe(bad.id);
    const rows = await waitFor(inbox, (r) => r.length === 3);
    expect(rows).toHaveLength(3);
    const applied = await h.prisma.$queryRaw<{ external_id: string }[]>`SELECT external_id FROM identities`;
    expect(applied.map((r) => r.external_id).sort()).toEqual([...good].sort());
    await waitForQueueSettled(h.vhostUrl, QUEUES.identitySync); // everything handled: no other dead letter can come
    expect(await drainQueue(h.vhostUrl, deadQueueName(QUEUES.identitySync))).toEqual([]);
  });
});
