// A small reader of prisma/schema.prisma: just enough of the Prisma schema language to say which
// tables, columns, keys and indexes Prisma Migrate would create for it. Used to check that the
// hand-written migrations and the schema have not drifted apart.
import { readFileSync } from 'node:fs';

export interface ExpectedColumn {
  field: string;
  column: string;
  /** As Postgres's format_type() prints it, e.g. "timestamp(3) with time zone". */
  pgType: string;
  nullable: boolean;
  hasDefault: boolean;
}

export interface ExpectedIndex {
  name: string;
  columns: string[];
  kind: 'primary' | 'unique' | 'index';
}

export interface ExpectedForeignKey {
  name: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
}

export interface ExpectedTable {
  model: string;
  table: string;
  columns: ExpectedColumn[];
  indexes: ExpectedIndex[];
  foreignKeys: ExpectedForeignKey[];
}

interface Attribute {
  name: string;
  args: string;
}

interface RawField {
  name: string;
  type: string;
  optional: boolean;
  list: boolean;
  attrs: Attribute[];
}

interface RawModel {
  name: string;
  fields: RawField[];
  blockAttrs: Attribute[];
}

const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Boolean: 'boolean',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};

// @db.<Native>(args) → format_type() spelling.
const NATIVE_TYPES: Record<string, (arg: string | undefined) => string> = {
  Uuid: () => 'uuid',
  Text: () => 'text',
  VarChar: (n) => (n ? `character varying(${n})` : 'character varying'),
  Char: (n) => `character(${n ?? 1})`,
  Timestamptz: (p) => `timestamp(${p ?? 6}) with time zone`,
  Timestamp: (p) => `timestamp(${p ?? 6}) without time zone`,
  Date: () => 'date',
  Integer: () => 'integer',
  SmallInt: () => 'smallint',
  BigInt: () => 'bigint',
  JsonB: () => 'jsonb',
  Json: () => 'json',
  Inet: () => 'inet',
  Citext: () => 'citext',
  DoublePrecision: () => 'double precision',
  Decimal: (a) => (a ? `numeric(${a.replace(/\s/g, '')})` : 'numeric'),
};

export function readExpectedTables(schemaPath: string): ExpectedTable[] {
  const source = stripComments(readFileSync(schemaPath, 'utf8'));
  const blocks = topLevelBlocks(source);
  const enums = new Map(blocks.filter((b) => b.keyword === 'enum').map((b) => [b.name, enumDbName(b)]));
  const models = blocks.filter((b) => b.keyword === 'model').map((b) => parseModel(b.name, b.body));
  const modelNames = new Set(models.map((m) => m.name));
  const byName = new Map(models.map((m) => [m.name, m]));
  return models.map((model) => toExpectedTable(model, modelNames, enums, byName));
}

interface Block {
  keyword: string;
  name: string;
  body: string;
}

// `model X {` … a line that is just `}`; braces inside a block (e.g. @default("{}")) are not nesting.
function topLevelBlocks(source: string): Block[] {
  const blocks: Block[] = [];
  let current: { keyword: string; name: string; lines: string[] } | undefined;
  for (const line of source.split('\n')) {
    const start = /^(\w+)\s+(\w+)\s*\{\s*$/.exec(line);
    if (!current && start) current = { keyword: start[1]!, name: start[2]!, lines: [] };
    else if (current && line.trim() === '}') {
      blocks.push({ keyword: current.keyword, name: current.name, body: current.lines.join('\n') });
      current = undefined;
    } else current?.lines.push(line);
  }
  return blocks;
}

function enumDbName(block: Block): string {
  return /@@map\("([^"]+)"\)/.exec(block.body)?.[1] ?? block.name;
}

function toExpectedTable(
  model: RawModel,
  modelNames: Set<string>,
  enums: Map<string, string>,
  byName: Map<string, RawModel>,
): ExpectedTable {
  const table = tableName(model);
  const columnOf = (field: string): string => fieldColumn(model, field);
  const scalars = model.fields.filter((f) => !modelNames.has(f.type));
  const columns = scalars.map((f) => ({
    field: f.name,
    column: columnName(f),
    pgType: pgType(f, enums),
    nullable: f.optional,
    hasDefault: attr(f.attrs, 'default') !== undefined,
  }));
  const indexes: ExpectedIndex[] = [];
  for (const f of scalars) {
    if (attr(f.attrs, 'id'))
      indexes.push(index(table, 'primary', [columnName(f)], attr(f.attrs, 'id')!.args));
    if (attr(f.attrs, 'unique'))
      indexes.push(index(table, 'unique', [columnName(f)], attr(f.attrs, 'unique')!.args));
  }
  const kinds = { id: 'primary', unique: 'unique', index: 'index' } as const;
  for (const a of model.blockAttrs) {
    const kind = kinds[a.name.replace(/^@/, '') as keyof typeof kinds];
    if (kind) indexes.push(index(table, kind, fieldList(a.args).map(columnOf), a.args));
  }
  const foreignKeys = model.fields
    .filter((f) => modelNames.has(f.type) && /fields:/.test(attr(f.attrs, 'relation')?.args ?? ''))
    .map((f) => {
      const args = attr(f.attrs, 'relation')!.args;
      const cols = fieldList(/fields:\s*(\[[^\]]*\])/.exec(args)![1]!).map(columnOf);
      const target = byName.get(f.type)!;
      const refs = fieldList(/references:\s*(\[[^\]]*\])/.exec(args)![1]!).map((r) => fieldColumn(target, r));
      const name = mapArg(args) ?? `${table}_${cols.join('_')}_fkey`;
      return { name, columns: cols, referencedTable: tableName(target), referencedColumns: refs };
    });
  return { model: model.name, table, columns, indexes, foreignKeys };
}

function fieldColumn(model: RawModel, field: string): string {
  const f = model.fields.find((x) => x.name === field);
  if (!f) throw new Error(`${model.name}: unknown field ${field}`);
  return columnName(f);
}

function index(table: string, kind: ExpectedIndex['kind'], columns: string[], args: string): ExpectedIndex {
  const suffix = { primary: 'pkey', unique: 'key', index: 'idx' }[kind];
  const name =
    mapArg(args) ?? (kind === 'primary' ? `${table}_pkey` : `${table}_${columns.join('_')}_${suffix}`);
  return { name, columns, kind };
}

function pgType(f: RawField, enums: Map<string, string>): string {
  const native = f.attrs.find((a) => a.name.startsWith('db.'));
  let base: string;
  if (native) {
    const make = NATIVE_TYPES[native.name.slice(3)];
    if (!make)
      throw new Error(`unsupported native type @${native.name} on ${f.name}; extend prisma-schema.ts`);
    base = make(native.args.trim() || undefined);
  } else if (enums.has(f.type)) {
    base = enums.get(f.type)!;
  } else {
    const scalar = SCALAR_TYPES[f.type];
    if (!scalar) throw new Error(`unsupported type ${f.type} on ${f.name}; extend prisma-schema.ts`);
    base = scalar;
  }
  return f.list ? `${base}[]` : base;
}

function parseModel(name: string, body: string): RawModel {
  const fields: RawField[] = [];
  const blockAttrs: Attribute[] = [];
  for (const line of body.split('\n').map((l) => l.trim())) {
    if (line === '') continue;
    if (line.startsWith('@@')) {
      blockAttrs.push(...parseAttributes(line.slice(1)));
      continue;
    }
    const m = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
    if (!m) throw new Error(`cannot parse line in model ${name}: ${line}`);
    fields.push({ name: m[1]!, type: m[2]!, list: !!m[3], optional: !!m[4], attrs: parseAttributes(m[5]!) });
  }
  return { name, fields, blockAttrs };
}

/** `@a @b("x") @db.Uuid @default(dbgenerated("f()"))` → [{name, args}] with balanced parentheses. */
function parseAttributes(text: string): Attribute[] {
  const attrs: Attribute[] = [];
  let i = 0;
  while ((i = text.indexOf('@', i)) !== -1) {
    const nameMatch = /^@([\w.]+)/.exec(text.slice(i))!;
    i += nameMatch[0].length;
    let args = '';
    if (text[i] === '(') {
      const end = closingParen(text, i);
      args = text.slice(i + 1, end);
      i = end + 1;
    }
    attrs.push({ name: nameMatch[1]!, args });
  }
  return attrs;
}

function closingParen(text: string, open: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    if (c === ')' && --depth === 0) return i;
  }
  throw new Error(`unbalanced parentheses in ${text}`);
}

function stripComments(source: string): string {
  return source
    .split('\n')
    .map((line) => {
      let quoted = false;
      for (let i = 0; i < line.length - 1; i++) {
        if (line[i] === '"') quoted = !quoted;
        if (!quoted && line[i] === '/' && line[i + 1] === '/') return line.slice(0, i);
      }
      return line;
    })
    .join('\n');
}

const attr = (attrs: Attribute[], name: string): Attribute | undefined => attrs.find((a) => a.name === name);
const mapArg = (args: string): string | undefined => /map:\s*"([^"]+)"/.exec(args)?.[1];
const fieldList = (args: string): string[] =>
  (/\[([^\]]*)\]/.exec(args)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim().replace(/\(.*$/, ''))
    .filter(Boolean);
const columnName = (f: RawField): string =>
  /^"([^"]+)"/.exec(attr(f.attrs, 'map')?.args ?? '')?.[1] ?? f.name;
const tableName = (m: RawModel): string =>
  /^"([^"]+)"/.exec(m.blockAttrs.find((a) => a.name === 'map')?.args ?? '')?.[1] ?? m.name;
