import { randomBytes } from 'node:crypto';
import { createPrismaClient } from './client.js';
import { quoteIdent, withDatabase, databaseName } from './database-url.js';
import { withClient } from './ensure-database.js';
import type { PrismaClient } from './generated/prisma/client.js';
import { migrate } from './migrate.js';

export interface TestDatabase {
  /** URL of the new database. */
  url: string;
  /** A client on it (pool of 5). */
  prisma: PrismaClient;
  /** Disconnects `prisma` and drops the database, closing any other session still on it. */
  drop(): Promise<void>;
}

/** Server used by tests; TEST_DATABASE_URL overrides (test helpers may read env). */
export function testServerUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

/** A URL for a database name no other test uses (`ir_test_<random>`); the database is not created. */
export function uniqueTestDatabaseUrl(prefix = 'ir_test'): string {
  return withDatabase(testServerUrl(), `${prefix}_${randomBytes(6).toString('hex')}`);
}

/** A fresh, uniquely named, fully migrated database for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const url = uniqueTestDatabaseUrl();
  await migrate({ databaseUrl: url });
  const prisma = createPrismaClient({ databaseUrl: url, poolMax: 5, applicationName: 'identity-relay-test' });
  return {
    url,
    prisma,
    drop: async () => {
      await prisma.$disconnect();
      await dropDatabase(url);
    },
  };
}

/** DROP DATABASE IF EXISTS … WITH (FORCE) (Postgres 13+), from the `postgres` database. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = databaseName(databaseUrl);
  await withClient(withDatabase(databaseUrl, 'postgres'), (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
  );
}
export { freePort, hasPgBouncer, startPgBouncer, type PgBouncer } from './pgbouncer-testing.js';
