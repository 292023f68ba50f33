// Real: PostgreSQL, and PgBouncer 1.x in transaction pooling mode in front of it (scripts/infra/pgbouncer.sh,
// own port and folder). Nothing faked. Skipped only outside CI on a machine without pgbouncer.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/index.js';
import { readLocalMigrations, defaultMigrationsDir } from '../src/migration-files.js';
import {
  dropDatabase,
  hasPgBouncer,
  startPgBouncer,
  uniqueTestDatabaseUrl,
  type PgBouncer,
} from '../src/testing.js';

// prisma migrate deploy's advisory lock key, which the runner takes too.
const PRISMA_ADVISORY_LOCK_KEY = 72707369;
const available = hasPgBouncer() || process.env.CI !== undefined;
let bouncer: PgBouncer;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  if (available) bouncer = await startPgBouncer();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});
afterAll(async () => {
  await bouncer?.stop();
});

function freshUrl(): string {
  const url = uniqueTestDatabaseUrl('ir_test_pgb');
  cleanups.push(() => dropDatabase(url));
  return url;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Sessions on the server (not through the pooler) holding or waiting for the migration lock. */
async function advisoryLocks(directUrl: string): Promise<number> {
  const rows = await query<{ n: number }>(
    directUrl,
    `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1`,
    [PRISMA_ADVISORY_LOCK_KEY],
  );
  return rows[0]!.n;
}

describe.skipIf(!available)('the migration runner through PgBouncer (transaction pooling)', () => {
  it('recognises the missing database in PgBouncer’s 08P01, creates it and waits out the login retry', async () => {
    const direct = freshUrl();
    const pooled = bouncer.through(direct);
    const { applied } = await migrate({ databaseUrl: pooled });
    const local = await readLocalMigrations(defaultMigrationsDir());
    expect(applied).toEqual(local.map((m) => m.name));
    const rows = await query<{ migration_name: string }>(
      direct,
      'SELECT migration_name FROM _prisma_migrations',
    );
    expect(rows.map((r) => r.migration_name).sort()).toEqual([...applied].sort());
  });

  it('four runners at once apply each migration once and leave no advisory lock on any pooled session', async () => {
    const direct = freshUrl();
    await query(
      direct.replace(/\/[^/]*$/, '/postgres'),
      `CREATE DATABASE "${new URL(direct).pathname.slice(1)}"`,
    );
    const pooled = bouncer.through(direct);
    const results = await Promise.all([1, 2, 3, 4].map(() => migrate({ databaseUrl: pooled })));
    const appliedAll = results.flatMap((r) => r.applied);
    expect(new Set(appliedAll).size).toBe(appliedAll.length);
    expect(appliedAll.length).toBe((await readLocalMigrations(defaultMigrationsDir())).length);
    // A session-level lock would stay on whichever server connection PgBouncer gave the runner.
    expect(await advisoryLocks(direct)).toBe(0);
    // The next start finds nothing to do, and nothing blocks it.
    for (let i = 0; i < 4; i++) expect(await migrate({ databaseUrl: pooled })).toEqual({ applied: [] });
    expect(await advisoryLocks(direct)).toBe(0);
  });
});
