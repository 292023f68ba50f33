// Real: PostgreSQL, the repository's prisma/migrations applied by `migrate`, prisma/schema.prisma.
// Proves the hand-written migrations create exactly what the schema describes, so the Prisma client
// and the database cannot drift apart unnoticed.
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/index.js';
import { dropDatabase, uniqueTestDatabaseUrl } from '../src/testing.js';
import { listColumns, listForeignKeys, listIndexes, listTables } from './introspect.js';
import { readExpectedTables } from './prisma-schema.js';

const schemaPath = fileURLToPath(new URL('../../../prisma/schema.prisma', import.meta.url));
const expected = readExpectedTables(schemaPath);
const url = uniqueTestDatabaseUrl();
let client: pg.Client;

beforeAll(async () => {
  await migrate({ databaseUrl: url });
  client = new pg.Client({ connectionString: url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await dropDatabase(url);
});

const byName = <T extends { name: string }>(xs: T[]): T[] =>
  [...xs].sort((a, b) => a.name.localeCompare(b.name));

describe('migrated database matches prisma/schema.prisma', () => {
  it('the schema parses into the models this package relies on', () => {
    expect(expected.map((t) => t.table)).toEqual(
      expect.arrayContaining(['identities', 'identity_events', 'processed_messages']),
    );
  });

  it('has a table for every model and no table without a model', async () => {
    expect(await listTables(client)).toEqual(expected.map((t) => t.table).sort());
  });

  it.each(expected.map((t) => [t.model, t] as const))(
    '%s: columns, types, nullability, defaults',
    async (_m, t) => {
      const actual = await listColumns(client, t.table);
      const wanted = t.columns.map(({ field: _field, ...c }) => c);
      const sortByColumn = (xs: typeof actual) => [...xs].sort((a, b) => a.column.localeCompare(b.column));
      expect(sortByColumn(actual)).toEqual(sortByColumn(wanted));
    },
  );

  it.each(expected.map((t) => [t.model, t] as const))(
    '%s: primary key, unique and plain indexes',
    async (_m, t) => {
      expect(byName(await listIndexes(client, t.table))).toEqual(byName(t.indexes));
    },
  );

  it.each(expected.map((t) => [t.model, t] as const))('%s: foreign keys', async (_m, t) => {
    expect(byName(await listForeignKeys(client, t.table))).toEqual(byName(t.foreignKeys));
  });
});
