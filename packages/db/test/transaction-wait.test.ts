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

function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

// Handlers outnumber pooled connections (PREFETCH 50 vs DB_POOL_MAX 10): a transaction that queues for a
// connection must wait as long as the pool allows (connectionTimeoutMs), not fail after Prisma's own 2 s.
it('a transaction queued behind a busy pool waits up to connectionTimeoutMs', async () => {
  const prisma = createPrismaClient({ databaseUrl: db.url, poolMax: 1, connectionTimeoutMs: 6_000 });
  try {
    const holding = gate();
    const holder = prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1`;
      holding.open();
      await sleep(3_000);
    });
    await holding.opened; // the only connection is taken
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
    const holding = gate();
    const done = gate();
    const holder = prisma.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT 1`;
        holding.open();
        await done.opened; // held until the queued one has given up
      },
      { timeout: 30_000 },
    );
    await holding.opened; // the only connection is taken
    await expect(prisma.$transaction(async (tx) => tx.$queryRaw`SELECT 1`)).rejects.toThrow();
    done.open();
    await holder;
  } finally {
    await prisma.$disconnect();
  }
});
