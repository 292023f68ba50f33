// Reads what a migrated database actually contains, in the same shape as prisma-schema.ts expects.
import type pg from 'pg';
import type { ExpectedColumn, ExpectedForeignKey, ExpectedIndex } from './prisma-schema.js';

export type ActualColumn = Omit<ExpectedColumn, 'field'>;

export async function listTables(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> '_prisma_migrations' ORDER BY 1`,
  );
  return rows.map((r) => r.relname);
}

export async function listColumns(client: pg.Client, table: string): Promise<ActualColumn[]> {
  const { rows } = await client.query<{
    column: string;
    pg_type: string;
    not_null: boolean;
    has_default: boolean;
  }>(
    `SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS pg_type,
            a.attnotnull AS not_null, a.atthasdef AS has_default
     FROM pg_attribute a
     WHERE a.attrelid = ('public.' || quote_ident($1))::regclass AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum`,
    [table],
  );
  return rows.map((r) => ({
    column: r.column,
    pgType: r.pg_type,
    nullable: !r.not_null,
    hasDefault: r.has_default,
  }));
}

export async function listIndexes(client: pg.Client, table: string): Promise<ExpectedIndex[]> {
  const { rows } = await client.query<{ name: string; columns: string[]; primary: boolean; unique: boolean }>(
    `SELECT ic.relname AS name, i.indisprimary AS primary, i.indisunique AS unique,
            array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
     WHERE i.indrelid = ('public.' || quote_ident($1))::regclass
       AND i.indexprs IS NULL -- expression indexes (lower(email)) cannot be written in schema.prisma
     ORDER BY 1`,
    [table],
  );
  return rows.map((r) => ({
    name: r.name,
    columns: r.columns,
    kind: r.primary ? 'primary' : r.unique ? 'unique' : 'index',
  }));
}

export async function listForeignKeys(client: pg.Client, table: string): Promise<ExpectedForeignKey[]> {
  const { rows } = await client.query<{
    name: string;
    columns: string[];
    ref_table: string;
    ref_columns: string[];
  }>(
    `SELECT c.conname AS name, rt.relname AS ref_table,
            array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
            array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS ref_columns
     FROM pg_constraint c JOIN pg_class rt ON rt.oid = c.confrelid
     WHERE c.contype = 'f' AND c.conrelid = ('public.' || quote_ident($1))::regclass
     ORDER BY 1`,
    [table],
  );
  return rows.map((r) => ({
    name: r.name,
    columns: r.columns,
    referencedTable: r.ref_table,
    referencedColumns: r.ref_columns,
  }));
}
