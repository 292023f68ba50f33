import { afterAll, beforeAll, expect, test } from 'vitest';
import pg from 'pg';
import { createPrismaClient, type PrismaClient } from '../src/index.js';
import { createTestDatabase } from '../src/testing.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let prisma: PrismaClient;
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = createPrismaClient({ databaseUrl: db.url, poolMax: 4, applicationName: 'conn-errors-test' });
  process.on('uncaughtException', onUncaught);
});
afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  await prisma?.$disconnect();
  await db?.drop();
});

async function terminateBackends(): Promise<number> {
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  try {
    const { rowCount } = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'conn-errors-test'`,
    );
    return rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

test('connections terminated by the server (57P01) fail the work in flight, never the process', async () => {
  for (let round = 0; round < 5; round++) {
    // Connections idle in the pool, checked out by a transaction between statements, and busy in a query.
    await Promise.all([1, 2, 3].map(() => prisma.$queryRaw`SELECT 1`));
    const inTx = prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1`;
      await new Promise((r) => setTimeout(r, 300));
      await tx.$queryRaw`SELECT 1`;
    });
    const busy = prisma.$executeRaw`SELECT pg_sleep(2)`;
    await new Promise((r) => setTimeout(r, 100));
    expect(await terminateBackends()).toBeGreaterThan(0);
    const [tx] = await Promise.allSettled([inTx, busy]);
    expect(tx.status).toBe('rejected');
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(uncaught).toEqual([]);
  // The pool replaces the dead connections.
  expect(await prisma.$queryRaw<{ ok: number }[]>`SELECT 1 AS ok`).toEqual([{ ok: 1 }]);
});
