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

/** Waits until the pool's pg_sleep is running, so the termination hits a busy connection too. */
async function untilSleeping(): Promise<void> {
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  try {
    for (let i = 0; ; i++) {
      const { rows } = await admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE application_name = 'conn-errors-test' AND state = 'active' AND query LIKE '%pg_sleep%'`,
      );
      if (rows[0]!.n > 0) return;
      if (i > 500) throw new Error('pg_sleep never started');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await admin.end();
  }
}

/** The pool has dropped the terminated connections: a statement succeeds again (each failure is one dead one). */
async function untilPoolAnswers(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    if (
      await prisma.$queryRaw`SELECT 1`.then(
        () => true,
        () => false,
      )
    )
      return;
  }
  throw new Error('the pool never answered again');
}

test('connections terminated by the server (57P01) fail the work in flight, never the process', async () => {
  for (let round = 0; round < 5; round++) {
    // Connections idle in the pool, checked out by a transaction between statements, and busy in a query.
    await Promise.all([1, 2, 3].map(() => prisma.$queryRaw`SELECT 1`));
    let between!: () => void;
    const betweenStatements = new Promise<void>((resolve) => (between = resolve));
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    const inTx = prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1`;
      between();
      await resumed; // its connection is terminated here
      await tx.$queryRaw`SELECT 1`;
    });
    const busy = prisma.$executeRaw`SELECT pg_sleep(2)`.catch((e: unknown) => e);
    await betweenStatements;
    await untilSleeping();
    expect(await terminateBackends()).toBeGreaterThan(0);
    resume();
    const [tx] = await Promise.allSettled([inTx, busy]);
    expect(tx.status).toBe('rejected');
    await untilPoolAnswers();
  }
  expect(uncaught).toEqual([]);
  // The pool replaces the dead connections.
  expect(await prisma.$queryRaw<{ ok: number }[]>`SELECT 1 AS ok`).toEqual([{ ok: 1 }]);
});
