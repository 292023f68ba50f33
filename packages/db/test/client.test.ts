// Real: PostgreSQL (one migrated database for this file), Prisma client over @prisma/adapter-pg.
// Faked: a TCP server that accepts and never answers, to script a connection timeout.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPrismaClient,
  inboxClaim,
  isTransientDbError,
  sqlTransaction,
  type PrismaClient,
} from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

async function withPrisma<T>(client: PrismaClient, fn: (c: PrismaClient) => Promise<T>): Promise<T> {
  try {
    return await fn(client);
  } finally {
    await client.$disconnect();
  }
}

describe('createPrismaClient', () => {
  it('inserts and reads an identity with database defaults and camelCase fields', async () => {
    const created = await db.prisma.identity.create({
      data: {
        provider: 'kratos',
        externalId: randomUUID(),
        email: 'ada@example.org',
        state: 'active',
        traits: { role: 'educator' },
        sourceUpdatedAt: new Date('2024-05-01T10:00:00.123Z'),
        version: 1,
      },
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.emailVerified).toBe(false);
    expect(created.deletedAt).toBeNull();

    const read = await db.prisma.identity.findUniqueOrThrow({
      where: { provider_externalId: { provider: 'kratos', externalId: created.externalId } },
    });
    expect(read).toEqual(created);
    expect(read.sourceUpdatedAt.toISOString()).toBe('2024-05-01T10:00:00.123Z');
    expect(read.traits).toEqual({ role: 'educator' });
  });

  it('records identity events with a foreign key to the identity', async () => {
    const identity = await db.prisma.identity.create({
      data: {
        provider: 'authentik',
        externalId: randomUUID(),
        state: 'active',
        sourceUpdatedAt: new Date(),
        version: 1,
      },
    });
    const event = await db.prisma.identityEvent.create({
      data: {
        id: randomUUID(),
        identityId: identity.id,
        version: 1,
        type: 'identity.created',
        payload: { hello: 'world' },
        sourceMessageId: 'm-1',
        occurredAt: new Date(),
      },
    });
    await expect(
      db.prisma.identityEvent.create({
        data: { ...event, id: randomUUID(), payload: {}, identityId: randomUUID() },
      }),
    ).rejects.toThrow();
  });

  it('applies pool size, application name and statement timeout to the connections it opens', async () => {
    const applicationName = `ir-pool-${randomUUID().slice(0, 8)}`;
    const client = createPrismaClient({
      databaseUrl: db.url,
      poolMax: 2,
      statementTimeoutMs: 1234,
      applicationName,
    });
    await withPrisma(client, async (prisma) => {
      const shown = await prisma.$queryRaw<{ statement_timeout: string }[]>`SHOW statement_timeout`;
      expect(shown).toEqual([{ statement_timeout: '1234ms' }]);

      // Six concurrent sleeps on a pool of two: never more than two sessions. (Prisma queries
      // are lazy; `.then` starts them.)
      let running = true;
      const sleeps = Promise.all(
        Array.from({ length: 6 }, () => prisma.$executeRaw`SELECT pg_sleep(0.3)`.then((n) => n)),
      ).finally(() => (running = false));
      // Sampled for as long as they run, then once more (the pool keeps its sessions open while idle).
      let most = 0;
      while (running) most = Math.max(most, await countSessions(applicationName));
      await sleeps;
      most = Math.max(most, await countSessions(applicationName));
      expect(most).toBe(2);

      const err = await prisma.$executeRaw`SELECT pg_sleep(2)`.catch((e: unknown) => e);
      expect(String(err)).toMatch(/statement timeout/);
      expect(isTransientDbError(err)).toBe(true);
    });
  });

  it('gives up connecting after connectionTimeoutMs, with a transient error', async () => {
    const silent = net.createServer(() => undefined); // accepts, never speaks
    const sockets = new Set<net.Socket>();
    silent.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const client = createPrismaClient({
        databaseUrl: `postgresql://u@127.0.0.1:${port}/x`,
        connectionTimeoutMs: 300,
      });
      await withPrisma(client, async (prisma) => {
        const started = Date.now();
        const err = await prisma.$queryRaw`SELECT 1`.catch((e: unknown) => e);
        expect(Date.now() - started).toBeLessThan(3000);
        expect(String(err)).toMatch(/timeout/i);
        expect(isTransientDbError(err)).toBe(true);
      });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('classifies a refused connection and a terminated session as transient', async () => {
    const refused = createPrismaClient({ databaseUrl: 'postgresql://postgres@127.0.0.1:1/x' });
    const refusedErr = await withPrisma(refused, (p) => p.$queryRaw`SELECT 1`.catch((e: unknown) => e));
    expect(isTransientDbError(refusedErr)).toBe(true);
    const modelErr = await withPrisma(refused, (p) => p.identity.findFirst().catch((e: unknown) => e));
    expect(modelErr).toMatchObject({ code: 'P1001' });
    expect(isTransientDbError(modelErr)).toBe(true);

    const applicationName = `ir-kill-${randomUUID().slice(0, 8)}`;
    const client = createPrismaClient({ databaseUrl: db.url, poolMax: 1, applicationName });
    await withPrisma(client, async (prisma) => {
      const sleeping = prisma.$executeRaw`SELECT pg_sleep(5)`.catch((e: unknown) => e);
      await untilActive(applicationName);
      await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
        applicationName,
      ]);
      const err = await sleeping;
      expect(String(err)).toMatch(/terminat|closed/i);
      expect(isTransientDbError(err)).toBe(true);
    });
  });

  it('rejects out-of-range options', () => {
    expect(() => createPrismaClient({ databaseUrl: db.url, poolMax: 0 })).toThrow(RangeError);
    expect(() => createPrismaClient({ databaseUrl: 'mysql://x/y' })).toThrow(RangeError);
  });
});

describe('inboxClaim', () => {
  it('claims each message id once per consumer, inside the caller transaction', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const first = await sqlTransaction(db.prisma, (tx) => inboxClaim(tx, 'identity-sync', [a, b, a]));
    expect(first).toEqual(new Set([a, b]));
    const second = await sqlTransaction(db.prisma, (tx) => inboxClaim(tx, 'identity-sync', [a, b]));
    expect(second).toEqual(new Set());
    // Another consumer has its own inbox.
    expect(await sqlTransaction(db.prisma, (tx) => inboxClaim(tx, 'subscribers', [a]))).toEqual(new Set([a]));
  });

  it('releases the claim when the transaction rolls back', async () => {
    const id = randomUUID();
    await expect(
      sqlTransaction(db.prisma, async (tx) => {
        expect(await inboxClaim(tx, 'notifier', [id])).toEqual(new Set([id]));
        throw new Error('effect failed');
      }),
    ).rejects.toThrow('effect failed');
    expect(await sqlTransaction(db.prisma, (tx) => inboxClaim(tx, 'notifier', [id]))).toEqual(new Set([id]));
  });

  it('returns an empty set for no ids without querying', async () => {
    expect(await sqlTransaction(db.prisma, (tx) => inboxClaim(tx, 'notifier', []))).toEqual(new Set());
  });
});

async function adminQuery(sql: string, params: unknown[]): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function countSessions(applicationName: string): Promise<number> {
  const rows = await adminQuery(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
    [applicationName],
  );
  return (rows[0] as { n: number }).n;
}

/** Waits until a session of `applicationName` is running a statement (so terminating it hits work in flight). */
async function untilActive(applicationName: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const rows = await adminQuery(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'",
      [applicationName],
    );
    if ((rows[0] as { n: number }).n > 0) return;
    if (Date.now() > deadline) throw new Error(`no statement of ${applicationName} started`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
