import {
  Ajv,
  type AnySchema,
  type ErrorObject,
  type FormatDefinition,
  type JSONSchemaType,
  type ValidateFunction,
} from 'ajv';
import formatsPlugin from 'ajv-formats';
import { fastDateTime } from './date-time-format.js';

// ajv-formats is CommonJS: under NodeNext its default import is the module object at type level,
// while at runtime it is the plugin function itself (module.exports = plugin; exports.default = plugin).
const addFormats = formatsPlugin as unknown as typeof formatsPlugin.default;

/**
 * The one ajv instance of identity-relay. allErrors: a 422 lists every problem at once;
 * strict: false lets schemas carry annotations ajv does not know (e.g. Kratos' `ory.sh/kratos`);
 * useDefaults: false because validation must never rewrite what an IdP sent.
 */
export const ajv: Ajv = new Ajv({ allErrors: true, strict: false, useDefaults: false });
addFormats(ajv);
// Same accepted set as ajv-formats' date-time (full mode), without its split and two regular expressions for
// the usual shape.
const fullDateTime = ajv.formats['date-time'] as FormatDefinition<string> & {
  validate: (value: string) => boolean;
};
ajv.addFormat('date-time', { ...fullDateTime, validate: fastDateTime(fullDateTime.validate) });

const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles a schema once; later calls with the same schema object return the same function. */
export function compile<T>(schema: JSONSchemaType<T> | object): ValidateFunction<T> {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema as AnySchema);
    compiled.set(schema, validate);
  }
  return validate as ValidateFunction<T>;
}

/** JSON pointer of the value an error is about; for `required`, the missing property itself. */
export function errorPointer(error: ErrorObject): string {
  if (error.keyword === 'required') {
    const missing = String((error.params as { missingProperty: string }).missingProperty);
    return `${error.instancePath}/${escapePointerToken(missing)}`;
  }
  return error.instancePath;
}

/** A short human message for one ajv error, without the path. */
export function errorText(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'enum':
      return `must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    default:
      return error.message ?? `fails ${error.keyword}`;
  }
}

/** ajv errors as `'/data/identity/id: must be string'` strings; `/` stands for the root. */
export function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  const lines = (errors ?? []).map((e) => `${errorPointer(e) || '/'}: ${errorText(e)}`);
  return [...new Set(lines)];
}

function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
