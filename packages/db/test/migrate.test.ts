// Real: PostgreSQL (a fresh database per test), the migration runner, migration folders on disk
// (the repository's own, or temporary copies to simulate edits and failures).
import { cp, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DatabaseUnavailableError,
  defaultMigrationsDir,
  ensureDatabase,
  migrate,
  MigrationError,
} from '../src/index.js';
import { databaseName, withDatabase } from '../src/database-url.js';
import { migrationChecksum } from '../src/migrations.js';
import { dropDatabase, uniqueTestDatabaseUrl } from '../src/testing.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function freshUrl(): string {
  const url = uniqueTestDatabaseUrl('ir_test_migrate');
  cleanups.push(() => dropDatabase(url));
  return url;
}

async function tempMigrationsCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ir-migrations-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await cp(defaultMigrationsDir(), dir, { recursive: true });
  return dir;
}

async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function databaseExists(url: string): Promise<boolean> {
  const rows = await query(withDatabase(url, 'postgres'), 'SELECT 1 FROM pg_database WHERE datname = $1', [
    databaseName(url),
  ]);
  return rows.length === 1;
}

describe('migrate', () => {
  it('creates the database, applies every migration once and records Prisma checksums', async () => {
    const url = freshUrl();
    const logs: string[] = [];
    const first = await migrate({ databaseUrl: url, log: (m) => logs.push(m) });
    expect(first.applied.length).toBeGreaterThan(0);
    expect(logs).toEqual(first.applied.map((name) => `applied migration ${name}`));

    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
    }>(
      url,
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(first.applied);
    for (const row of rows) {
      const file = await readFile(join(defaultMigrationsDir(), row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(migrationChecksum(file));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }

    expect(await migrate({ databaseUrl: url })).toEqual({ applied: [] });
    expect(await query(url, 'SELECT 1 FROM _prisma_migrations')).toHaveLength(rows.length);
  });

  it('creates _prisma_migrations with exactly the columns Prisma Migrate uses', async () => {
    const url = freshUrl();
    await migrate({ databaseUrl: url });
    const cols = await query<{
      column_name: string;
      data_type: string;
      is_nullable: string;
      len: number | null;
    }>(
      url,
      `SELECT column_name, data_type, is_nullable, character_maximum_length AS len
       FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(cols.map((c) => [c.column_name, c.data_type, c.is_nullable, c.len])).toEqual([
      ['id', 'character varying', 'NO', 36],
      ['checksum', 'character varying', 'NO', 64],
      ['finished_at', 'timestamp with time zone', 'YES', null],
      ['migration_name', 'character varying', 'NO', 255],
      ['logs', 'text', 'YES', null],
      ['rolled_back_at', 'timestamp with time zone', 'YES', null],
      ['started_at', 'timestamp with time zone', 'NO', null],
      ['applied_steps_count', 'integer', 'NO', null],
    ]);
  });

  it('lets several processes migrate a fresh database at the same time (advisory lock)', async () => {
    const url = freshUrl();
    const results = await Promise.all([1, 2, 3, 4].map(() => migrate({ databaseUrl: url })));
    const appliedAll = results.flatMap((r) => r.applied);
    expect(await migrate({ databaseUrl: url })).toEqual({ applied: [] });
    // Each migration was applied by exactly one of the racers.
    expect(new Set(appliedAll).size).toBe(appliedAll.length);
    const rows = await query<{ migration_name: string }>(
      url,
      'SELECT migration_name FROM _prisma_migrations',
    );
    expect(rows.map((r) => r.migration_name).sort()).toEqual([...appliedAll].sort());
  });

  it('refuses an applied migration whose file was edited afterwards', async () => {
    const url = freshUrl();
    const dir = await tempMigrationsCopy();
    const { applied } = await migrate({ databaseUrl: url, migrationsDir: dir });
    const file = join(dir, applied[0]!, 'migration.sql');
    await writeFile(file, `${await readFile(file, 'utf8')}\n-- edited after apply\n`);

    const err = await migrate({ databaseUrl: url, migrationsDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect(err).toMatchObject({ code: 'MIGRATION_CHECKSUM_MISMATCH' });
    expect((err as Error).message).toContain(applied[0]);
  });

  it('accepts the same file with CRLF line endings (a Windows checkout)', async () => {
    const url = freshUrl();
    const dir = await tempMigrationsCopy();
    const { applied } = await migrate({ databaseUrl: url, migrationsDir: dir });
    const file = join(dir, applied[0]!, 'migration.sql');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/\n/g, '\r\n'));
    expect(await migrate({ databaseUrl: url, migrationsDir: dir })).toEqual({ applied: [] });
  });

  it('applies a new migration added later, and rolls back one that fails without recording it', async () => {
    const url = freshUrl();
    const dir = await tempMigrationsCopy();
    await migrate({ databaseUrl: url, migrationsDir: dir });

    await mkdir(join(dir, '29990101000000_add_note'));
    await writeFile(
      join(dir, '29990101000000_add_note', 'migration.sql'),
      'ALTER TABLE "identities" ADD COLUMN "note" TEXT;\n',
    );
    expect(await migrate({ databaseUrl: url, migrationsDir: dir })).toEqual({
      applied: ['29990101000000_add_note'],
    });

    await mkdir(join(dir, '29990102000000_broken'));
    await writeFile(
      join(dir, '29990102000000_broken', 'migration.sql'),
      'CREATE TABLE "half_done" ("id" INTEGER);\nSELECT * FROM "no_such_table";\n',
    );
    const err = await migrate({ databaseUrl: url, migrationsDir: dir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MIGRATION_FAILED' });
    expect(await query(url, `SELECT 1 FROM pg_class WHERE relname = 'half_done'`)).toHaveLength(0);
    expect(
      await query(url, `SELECT 1 FROM _prisma_migrations WHERE migration_name = '29990102000000_broken'`),
    ).toHaveLength(0);
  });

  it('refuses to continue past a migration Prisma left unfinished', async () => {
    const url = freshUrl();
    await migrate({ databaseUrl: url });
    await query(
      url,
      `INSERT INTO _prisma_migrations (id, checksum, migration_name) VALUES (gen_random_uuid()::text, 'x', '29990101000000_crashed')`,
    );
    await expect(migrate({ databaseUrl: url })).rejects.toMatchObject({ code: 'MIGRATION_INCOMPLETE' });
  });

  it('fails before touching the database when the migrations directory is unreadable', async () => {
    const url = freshUrl();
    await expect(
      migrate({ databaseUrl: url, migrationsDir: '/nonexistent/migrations' }),
    ).rejects.toMatchObject({
      code: 'MIGRATIONS_DIR_INVALID',
    });
    expect(await databaseExists(url)).toBe(false);
  });

  it('reports an unreachable server as DatabaseUnavailableError', async () => {
    const err = await migrate({ databaseUrl: 'postgresql://postgres@127.0.0.1:1/nothing' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
  });
});

describe('ensureDatabase', () => {
  it('creates a missing database once', async () => {
    const url = freshUrl();
    expect(await databaseExists(url)).toBe(false);
    expect(await ensureDatabase(url)).toBe(true);
    expect(await databaseExists(url)).toBe(true);
    expect(await ensureDatabase(url)).toBe(false);
  });

  it('lets concurrent callers race: exactly one creates', async () => {
    const url = freshUrl();
    const created = await Promise.all([1, 2, 3].map(() => ensureDatabase(url)));
    expect(created.filter(Boolean)).toHaveLength(1);
  });
});
