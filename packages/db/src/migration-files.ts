import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationError } from './errors.js';
import { migrationChecksum, orderMigrationNames, type LocalMigration } from './migrations.js';

/**
 * The repository's prisma/migrations. This file sits in packages/db/src (run by tsx/vitest) or
 * packages/db/dist (built), both three levels below the repository root.
 */
export function defaultMigrationsDir(): string {
  return fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));
}

/** Reads every migration directory of `dir`, in apply order. */
export async function readLocalMigrations(dir: string): Promise<LocalMigration[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (cause) {
    throw new MigrationError('MIGRATIONS_DIR_INVALID', `Cannot read migrations directory ${dir}`, { cause });
  }
  const names = orderMigrationNames(entries.map((e) => ({ name: e.name, isDirectory: e.isDirectory() })));
  return Promise.all(names.map((name) => readMigration(dir, name)));
}

async function readMigration(dir: string, name: string): Promise<LocalMigration> {
  const file = join(dir, name, 'migration.sql');
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw new MigrationError(
      'MIGRATIONS_DIR_INVALID',
      `Migration ${name} has no readable migration.sql (${file})`,
      {
        cause,
      },
    );
  }
  return { name, sql: bytes.toString('utf8'), checksum: migrationChecksum(bytes) };
}
