import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CanonicalIdentity } from '@identity-relay/contracts';
import { sqlTransaction } from '@identity-relay/db';
import { createTestDatabase, type TestDatabase } from '@identity-relay/db/testing';
import { applyIdentityChanges, applyInTransaction, type ApplyInput } from '../src/index.js';
import { InsertRaceError } from '../src/repository.js';

// Real database: one transaction (standing in for another replica) creates an identity and holds its commit
// while the apply path under test inserts the same identity, so the race is forced rather than hoped for.
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const CONSUMER = 'identity-sync';

function upsert(externalId: string, email: string, minute: number): ApplyInput {
  const identity: CanonicalIdentity = {
    provider: 'kratos',
    externalId,
    email,
    username: null,
    emailVerified: true,
    state: 'active',
    traits: { email },
    sourceUpdatedAt: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
  };
  return {
    messageId: randomUUID(),
    occurredAt: identity.sourceUpdatedAt,
    change: { kind: 'upsert', identity },
  };
}

/** Resolves once some session of the test database waits on a row or tuple lock (our blocked INSERT). */
async function untilSomeoneWaitsOnALock(): Promise<void> {
  for (;;) {
    const rows = await db.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'`;
    if (Number(rows[0]!.n) > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Runs `first` in a transaction that stays open until `second` is blocked on its uncommitted row, then
 * commits it; returns what `second` settled with.
 */
async function race<T>(first: ApplyInput, second: () => Promise<T>): Promise<PromiseSettledResult<T>> {
  let commit!: () => void;
  const held = new Promise<void>((resolve) => (commit = resolve));
  let applied!: () => void;
  const firstApplied = new Promise<void>((resolve) => (applied = resolve));
  const other = sqlTransaction(
    db.prisma,
    async (tx) => {
      await applyIdentityChanges(tx, CONSUMER, [first]);
      applied();
      await held;
    },
    { timeoutMs: 20_000 },
  );
  // `second` starts only once `first` holds its uncommitted row, so it is `second` that blocks on it (on a loaded
  // machine the other order could leave nobody waiting on a lock).
  await firstApplied;
  // Settled from the start: `second` may reject (a lost race) before `other`'s commit answer arrives.
  const ours = Promise.allSettled([second()]);
  await untilSomeoneWaitsOnALock();
  commit();
  await other;
  const [settled] = await ours;
  return settled!;
}

const history = (externalId: string) =>
  db.prisma.$queryRaw<{ version: number | null; type: string; previous: string | null; email: string }[]>`
    SELECT e.version, e.type, e.payload->'previous'->>'email' AS previous, e.payload->'identity'->>'email' AS email
    FROM identity_events e JOIN identities i ON i.id = e.identity_id
    WHERE i.external_id = ${externalId} ORDER BY e.version`;
const claimed = (messageId: string) =>
  db.prisma.$queryRaw<{ message_id: string }[]>`
    SELECT message_id FROM processed_messages WHERE message_id = ${messageId}`;

describe('a single message is a batch of one, and losing the insert race is resolved by applying again', () => {
  test('a message that loses the race to create an identity becomes version 2 on top of the winner', async () => {
    const id = randomUUID();
    const winner = upsert(id, 'first@school.edu', 1);
    const loser = upsert(id, 'second@school.edu', 2);
    const settled = await race(winner, () => applyInTransaction(db.prisma, CONSUMER, [loser]));
    expect(settled.status).toBe('fulfilled');
    const [result] = (settled as PromiseFulfilledResult<Awaited<ReturnType<typeof applyInTransaction>>>)
      .value;
    expect(result).toMatchObject({ decision: { action: 'update' }, version: 2 });
    expect(await history(id)).toEqual([
      { version: 1, type: 'identity.created', previous: null, email: 'first@school.edu' },
      { version: 2, type: 'identity.updated', previous: 'first@school.edu', email: 'second@school.edu' },
    ]);
    expect(await claimed(loser.messageId)).toHaveLength(1);
  });

  test('without a second attempt the lost race surfaces as a transient InsertRaceError and nothing of it commits', async () => {
    const id = randomUUID();
    const winner = upsert(id, 'first@school.edu', 1);
    const loser = upsert(id, 'second@school.edu', 2);
    const settled = await race(winner, () =>
      applyInTransaction(db.prisma, CONSUMER, [loser], { attempts: 1 }),
    );
    expect(settled.status).toBe('rejected');
    expect((settled as PromiseRejectedResult).reason).toBeInstanceOf(InsertRaceError);
    expect(await history(id)).toEqual([
      { version: 1, type: 'identity.created', previous: null, email: 'first@school.edu' },
    ]);
    expect(await claimed(loser.messageId)).toEqual([]); // the inbox claim rolled back with it: a retry applies it
  });
});
