// Real: PostgreSQL (one migrated database for this file), the pg pool behind a Prisma client.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPrismaClient,
  isTransientDbError,
  Prisma,
  sqlExecute,
  sqlQuery,
  sqlTransaction,
  SqlTransactionTimeoutError,
} from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await sqlExecute(db.prisma, Prisma.sql`CREATE TABLE sql_probe (id text PRIMARY KEY, n int NOT NULL)`);
});

afterAll(async () => {
  await db?.drop();
});

async function countOf(id: string): Promise<number> {
  const rows = await sqlQuery<{ n: string }>(
    db.prisma,
    Prisma.sql`SELECT count(*) AS n FROM sql_probe WHERE id = ${id}`,
  );
  return Number(rows[0]!.n);
}

describe('the pool behind sqlQuery', () => {
  it('outlives the server ending an idle connection of a client Prisma never used: the next statement reconnects', async () => {
    const prisma = createPrismaClient({ databaseUrl: db.url, poolMax: 1 });
    try {
      const [before] = await sqlQuery<{ pid: number }>(prisma, Prisma.sql`SELECT pg_backend_pid() AS pid`);
      // The connection is idle in the pool now; its server process ends (a restart, an idle-session timeout).
      await sqlQuery(db.prisma, Prisma.sql`SELECT pg_terminate_backend(${before!.pid}::int)`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const [after] = await sqlQuery<{ pid: number }>(prisma, Prisma.sql`SELECT pg_backend_pid() AS pid`);
      expect(after!.pid).not.toBe(before!.pid);
    } finally {
      await prisma.$disconnect();
    }
  });
});

describe('sqlTransaction', () => {
  it('commits the statements of a callback that returns, and hands back its result', async () => {
    const id = randomUUID();
    const result = await sqlTransaction(db.prisma, async (tx) => {
      const inserted = await tx.execute(Prisma.sql`INSERT INTO sql_probe (id, n) VALUES (${id}, ${7})`);
      const [row] = await tx.query<{ n: number }>(Prisma.sql`SELECT n FROM sql_probe WHERE id = ${id}`);
      return { inserted, n: row!.n };
    });
    expect(result).toEqual({ inserted: 1, n: 7 });
    expect(await countOf(id)).toBe(1);
  });

  it('rolls every statement back when the callback throws, and rethrows its error', async () => {
    const id = randomUUID();
    await expect(
      sqlTransaction(db.prisma, async (tx) => {
        await tx.execute(Prisma.sql`INSERT INTO sql_probe (id, n) VALUES (${id}, 1)`);
        throw new Error('effect failed');
      }),
    ).rejects.toThrow('effect failed');
    expect(await countOf(id)).toBe(0);
  });

  it('passes arrays as Postgres arrays and reads jsonb as parsed values', async () => {
    const rows = await sqlTransaction(db.prisma, (tx) =>
      tx.query<{ id: string; doc: { a: number } }>(
        Prisma.sql`SELECT id, ${JSON.stringify({ a: 1 })}::jsonb AS doc FROM unnest(${['x', 'y']}::text[]) AS id`,
      ),
    );
    expect(rows).toEqual([
      { id: 'x', doc: { a: 1 } },
      { id: 'y', doc: { a: 1 } },
    ]);
  });

  it('ends a transaction that outlives its timeout with a transient error, rolled back and its locks released', async () => {
    const id = randomUUID();
    await sqlExecute(db.prisma, Prisma.sql`INSERT INTO sql_probe (id, n) VALUES (${id}, 0)`);
    const error = await sqlTransaction(
      db.prisma,
      async (tx) => {
        await tx.execute(Prisma.sql`UPDATE sql_probe SET n = 1 WHERE id = ${id}`);
        await tx.query(Prisma.sql`SELECT pg_sleep(30)`);
      },
      { timeoutMs: 300 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlTransactionTimeoutError);
    expect(isTransientDbError(error)).toBe(true);
    // The row lock is gone (NOWAIT would fail on a held lock) and the update did not commit.
    const [row] = await sqlTransaction(db.prisma, (tx) =>
      tx.query<{ n: number }>(Prisma.sql`SELECT n FROM sql_probe WHERE id = ${id} FOR UPDATE NOWAIT`),
    );
    expect(row).toEqual({ n: 0 });
  });

  it('keeps the pool usable after failed transactions: the pool of 5 serves 20 more in a row', async () => {
    for (let i = 0; i < 6; i++) {
      await expect(sqlTransaction(db.prisma, (tx) => tx.query(Prisma.sql`SELECT 1/0`))).rejects.toThrow(
        /division by zero/,
      );
    }
    for (let i = 0; i < 20; i++) {
      expect(
        await sqlTransaction(db.prisma, (tx) => tx.query<{ v: number }>(Prisma.sql`SELECT 1 AS v`)),
      ).toEqual([{ v: 1 }]);
    }
  });

  it('refuses a client not made by createPrismaClient', async () => {
    await expect(sqlQuery({} as never, Prisma.sql`SELECT 1`)).rejects.toThrow(/createPrismaClient/);
  });
});
