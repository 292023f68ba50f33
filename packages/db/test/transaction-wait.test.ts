// Real: PostgreSQL (one migrated database for this file), Prisma client over @prisma/adapter-pg.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPrismaClient } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Handlers outnumber pooled connections (PREFETCH 50 vs DB_POOL_MAX 10): a transaction that queues for a
// connection must wait as long as the pool allows (connectionTimeoutMs), not fail after Prisma's own 2 s.
it('a transaction queued behind a busy pool waits up to connectionTimeoutMs', async () => {
  const prisma = createPrismaClient({ databaseUrl: db.url, poolMax: 1, connectionTimeoutMs: 6_000 });
  try {
    const holder = prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1`;
      await sleep(3_000);
    });
    await sleep(100);
    const queued = prisma.$transaction(async (tx) => tx.$queryRaw<{ ok: number }[]>`SELECT 1 AS ok`);
    await expect(queued).resolves.toEqual([{ ok: 1 }]);
    await holder;
  } finally {
    await prisma.$disconnect();
  }
});

it('a transaction still fails once the pool wait exceeds connectionTimeoutMs', async () => {
  const prisma = createPrismaClient({ databaseUrl: db.url, poolMax: 1, connectionTimeoutMs: 500 });
  try {
    const holder = prisma.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT 1`;
        await sleep(1_500);
      },
      { timeout: 5_000 },
    );
    await sleep(100);
    await expect(prisma.$transaction(async (tx) => tx.$queryRaw`SELECT 1`)).rejects.toThrow();
    await holder;
  } finally {
    await prisma.$disconnect();
  }
});
