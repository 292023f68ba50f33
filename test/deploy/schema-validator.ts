/**
 * ajv 8 for the deployment checks. The root node_modules holds ajv 6 (ESLint's), so ajv 8 is loaded
 * from @identity-relay/contracts, the package that owns the project's JSON Schemas.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { repoPath } from './repo.js';

export interface SchemaError {
  instancePath: string;
  message?: string;
  params?: unknown;
}

export interface Validator {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}

interface AjvLike {
  addKeyword(name: string): unknown;
  addFormat(name: string, format: RegExp | ((value: string) => boolean)): unknown;
  compile(schema: object): Validator;
}

type AjvClass = new (opts: Record<string, unknown>) => AjvLike;

const requireFromContracts = createRequire(repoPath('packages/contracts/package.json'));

function ajvClass(draft: '07' | '2019'): AjvClass {
  const mod = requireFromContracts(draft === '2019' ? 'ajv/dist/2019' : 'ajv') as { default: AjvClass };
  return mod.default;
}

/** A fresh ajv for one draft, with ajv-formats and the given extra keywords and formats. */
export function createAjv(
  draft: '07' | '2019',
  extra: { keywords?: string[]; formats?: Record<string, RegExp | ((value: string) => boolean)> } = {},
): AjvLike {
  const Ajv = ajvClass(draft);
  const ajv = new Ajv({ allErrors: true, strict: false });
  const addFormats = requireFromContracts('ajv-formats') as { default: (ajv: AjvLike) => void };
  addFormats.default(ajv);
  for (const keyword of extra.keywords ?? []) ajv.addKeyword(keyword);
  for (const [name, format] of Object.entries(extra.formats ?? {})) ajv.addFormat(name, format);
  return ajv;
}

export function readJson(relative: string): object {
  return JSON.parse(readFileSync(repoPath(relative), 'utf8')) as object;
}

/** ajv errors as readable lines, for assertion messages. */
export function describeErrors(validate: Validator): string {
  return (validate.errors ?? [])
    .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
    .join('\n');
}
