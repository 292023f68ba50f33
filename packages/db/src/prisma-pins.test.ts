// The migration runner (migrate.ts) copies two things from Prisma Migrate so either tool can take over from the
// other: the advisory lock key and the `_prisma_migrations` table. Both live in Prisma's schema engine, which
// Prisma 7 ships as WebAssembly in the `prisma` package; this reads them out of the installed engine, so a
// Prisma upgrade that changes either fails here instead of letting the two tools drift apart.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { expect, test } from 'vitest';
import { CREATE_MIGRATIONS_TABLE, PRISMA_ADVISORY_LOCK_KEY } from './migrate.js';

const require = createRequire(import.meta.url);
const engine = readFileSync(
  join(dirname(require.resolve('prisma/package.json')), 'build', 'schema_engine_bg.wasm'),
).toString('latin1');

/** `name TYPE ...` per column of a CREATE TABLE statement, identifiers unquoted, whitespace collapsed. */
function columnsOf(ddl: string): string[] {
  const body = ddl.slice(ddl.indexOf('(') + 1);
  const columns: string[] = [];
  for (const line of body.split('\n')) {
    const column = /^\s*"?([a-z_]+)"?\s+([A-Z].*?),?\s*$/.exec(line);
    if (!column) {
      if (columns.length > 0) break;
      continue;
    }
    columns.push(`${column[1]} ${column[2]!.replace(/\s+/g, ' ')}`);
  }
  return columns;
}

test("the advisory lock key is the one Prisma's schema engine takes on Postgres", () => {
  expect(engine).toContain(`SELECT pg_advisory_lock(${PRISMA_ADVISORY_LOCK_KEY})`);
});

test("the _prisma_migrations table is the one Prisma's schema engine creates on Postgres", () => {
  // The engine holds one such statement per database; Postgres' is the one with TIMESTAMPTZ.
  const statements = engine.split('CREATE TABLE _prisma_migrations (').slice(1);
  const postgres = statements.filter((s) =>
    s.slice(0, s.indexOf('applied_steps_count')).includes('TIMESTAMPTZ'),
  );
  expect(postgres).toHaveLength(1);
  const theirs = columnsOf(`(${postgres[0]!}`);
  expect(theirs).toHaveLength(8);
  expect(columnsOf(CREATE_MIGRATIONS_TABLE)).toEqual(theirs);
});
