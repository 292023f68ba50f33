import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ensureDatabase, withClient } from './ensure-database.js';
import { MigrationError } from './errors.js';
import { defaultMigrationsDir, readLocalMigrations } from './migration-files.js';
import { planMigrations, type AppliedMigration, type LocalMigration } from './migrations.js';

export interface MigrateOptions {
  /**
   * The database to create and migrate. Behind PgBouncer (transaction pooling) pass a direct
   * connection here (DATABASE_DIRECT_URL); the runner also works through the pooler, see below.
   */
  databaseUrl: string;
  /** (default=the repository's prisma/migrations) Folder in Prisma Migrate's layout. */
  migrationsDir?: string;
  /** (default=silent) Receives one line per applied migration and per warning. */
  log?: (msg: string) => void;
  /** (default=30000) See ConnectOptions.connectWaitMs. */
  connectWaitMs?: number;
}

// The advisory lock key `prisma migrate deploy` takes on Postgres, so this runner and Prisma's
// exclude each other as well as several services starting at once (pinned, see prisma-pins.test.ts).
export const PRISMA_ADVISORY_LOCK_KEY = 72707369;

// Exactly the table Prisma Migrate creates, so either tool can take over from the other. Both constants are
// pinned against the installed Prisma schema engine by prisma-pins.test.ts.
export const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/**
 * Creates the database if missing and applies pending migrations in order, each in its own
 * transaction together with its `_prisma_migrations` row. Already applied migrations are skipped;
 * an applied migration whose file changed is refused. Migration scripts therefore must not manage
 * transactions themselves (no CREATE INDEX CONCURRENTLY).
 *
 * Each transaction first takes Prisma's advisory lock with `pg_advisory_xact_lock` and reads the
 * history again under it, so concurrent runners (and `prisma migrate deploy`, which takes the same
 * key for its session) apply each migration once. The lock is transaction-scoped on purpose: a
 * session-level lock taken through PgBouncer in transaction mode stays on whichever server
 * connection ran it, and outlives this client there, blocking the next runner.
 */
export async function migrate(opts: MigrateOptions): Promise<{ applied: string[] }> {
  const log = opts.log ?? (() => undefined);
  const connect = { connectWaitMs: opts.connectWaitMs };
  // Read the files first: a broken checkout should fail before touching the database.
  const local = await readLocalMigrations(opts.migrationsDir ?? defaultMigrationsDir());
  await ensureDatabase(opts.databaseUrl, connect);
  return withClient(
    opts.databaseUrl,
    async (client) => {
      await locked(client, () => client.query(CREATE_MIGRATIONS_TABLE));
      const applied: string[] = [];
      let warned = false;
      for (;;) {
        const next = await locked(client, async () => {
          const plan = planMigrations(local, await readApplied(client));
          if (!warned) {
            warned = true;
            for (const name of plan.unknownApplied) {
              log(
                `warning: migration ${name} is applied in the database but missing from the migrations directory`,
              );
            }
          }
          const migration = plan.pending[0];
          if (migration) await applyOne(client, migration);
          return migration;
        });
        if (!next) return { applied };
        applied.push(next.name);
        log(`applied migration ${next.name}`);
      }
    },
    connect,
  );
}

/** Runs `fn` in one transaction holding Prisma's advisory lock until COMMIT or ROLLBACK. */
async function locked<T>(client: pg.Client, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function readApplied(client: pg.Client): Promise<AppliedMigration[]> {
  const { rows } = await client.query<{
    migration_name: string;
    checksum: string;
    finished_at: Date | null;
    rolled_back_at: Date | null;
  }>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
  );
  return rows.map((r) => ({
    migrationName: r.migration_name,
    checksum: r.checksum,
    finishedAt: r.finished_at,
    rolledBackAt: r.rolled_back_at,
  }));
}

// Runs inside `locked`'s transaction: the bookkeeping row commits with the schema change, so a
// crash never leaves a half-applied migration marked as done (or a done one unmarked).
async function applyOne(client: pg.Client, migration: LocalMigration): Promise<void> {
  const id = randomUUID();
  try {
    await client.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
      [id, migration.checksum, migration.name],
    );
    // No parameters: the simple query protocol runs a multi-statement script.
    await client.query(migration.sql);
    await client.query(
      'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
      [id],
    );
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new MigrationError(
      'MIGRATION_FAILED',
      `Migration ${migration.name} failed and was rolled back: ${reason}`,
      {
        cause,
      },
    );
  }
}
