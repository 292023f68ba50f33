import { createHash } from 'node:crypto';
import { MigrationError } from './errors.js';

/** A migration directory on disk: `<migrationsDir>/<name>/migration.sql`. */
export interface LocalMigration {
  name: string;
  sql: string;
  /** sha256 hex of migration.sql's bytes, as Prisma Migrate records it. */
  checksum: string;
}

/** A row of Prisma's `_prisma_migrations` table. */
export interface AppliedMigration {
  migrationName: string;
  checksum: string;
  finishedAt: Date | null;
  rolledBackAt: Date | null;
}

export interface MigrationPlan {
  /** Local migrations not yet applied, in the order to apply them. */
  pending: LocalMigration[];
  /** Applied migrations that have no directory here (e.g. this is an older build); only worth a warning. */
  unknownApplied: string[];
}

/** sha256 hex of a migration script, the checksum Prisma Migrate stores in `_prisma_migrations`. */
export function migrationChecksum(script: string | Uint8Array): string {
  return createHash('sha256').update(script).digest('hex');
}

/**
 * Whether `script` is the one that was applied. Like Prisma, a file whose only change is LF vs CRLF
 * line endings (a Windows checkout) still matches.
 */
export function checksumMatches(script: string, checksum: string): boolean {
  const lf = script.replace(/\r\n/g, '\n');
  const crlf = lf.replace(/\n/g, '\r\n');
  return [script, lf, crlf].some((variant) => migrationChecksum(variant) === checksum);
}

/**
 * Names of migration directories in apply order. Like Prisma Migrate: every directory of the
 * migrations folder is a migration, applied in lexicographic order of its name (which starts with
 * a UTC timestamp); files such as migration_lock.toml are not migrations.
 */
export function orderMigrationNames(entries: { name: string; isDirectory: boolean }[]): string[] {
  return entries
    .filter((e) => e.isDirectory && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Compares local migrations with `_prisma_migrations` and returns what to apply. Refuses when an
 * applied migration's file was edited afterwards (checksum mismatch) or a migration was left failed:
 * both need an operator, as with `prisma migrate deploy` (P3009).
 */
export function planMigrations(local: LocalMigration[], applied: AppliedMigration[]): MigrationPlan {
  const failed = applied.find((row) => row.finishedAt === null && row.rolledBackAt === null);
  if (failed !== undefined) {
    throw new MigrationError(
      'MIGRATION_INCOMPLETE',
      `Migration ${failed.migrationName} started but never finished; resolve it (prisma migrate resolve) before migrating again`,
    );
  }
  const done = new Map(
    applied
      .filter((row) => row.finishedAt !== null && row.rolledBackAt === null)
      .map((r) => [r.migrationName, r]),
  );
  const pending: LocalMigration[] = [];
  for (const migration of local) {
    const row = done.get(migration.name);
    if (row === undefined) pending.push(migration);
    else if (!checksumMatches(migration.sql, row.checksum)) {
      throw new MigrationError(
        'MIGRATION_CHECKSUM_MISMATCH',
        `Migration ${migration.name} was modified after it was applied (checksum ${row.checksum} in the database, ` +
          `${migration.checksum} on disk); add a new migration instead of editing an applied one`,
      );
    }
  }
  const localNames = new Set(local.map((m) => m.name));
  const unknownApplied = [...done.keys()].filter((name) => !localNames.has(name));
  return { pending, unknownApplied };
}
