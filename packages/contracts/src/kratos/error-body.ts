import type { ErrorObject, JSONSchemaType } from 'ajv';
import { errorPointer, errorText } from '../ajv.js';
import { requiredKeys } from '../required-keys.js';

/** One message of a Kratos web_hook error response; only `type: 'error'` makes Kratos treat it as an error. */
export interface KratosErrorMessage {
  id: number;
  text: string;
  type: 'error';
  context?: Record<string, unknown>;
}

/** Messages for one field, addressed by a JSON pointer such as `#/traits/email` (`#/` = the whole form). */
export interface KratosFieldMessages {
  instance_ptr: string;
  messages: KratosErrorMessage[];
}

/** The body Kratos parses from a 4xx response of a `response.parse: true` web_hook (reference §1.3). */
export interface KratosErrorBody {
  messages: KratosFieldMessages[];
}

export const kratosErrorBodySchema: JSONSchemaType<KratosErrorBody> = {
  type: 'object',
  required: requiredKeys<KratosErrorBody>()(['messages']),
  properties: {
    messages: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: requiredKeys<KratosFieldMessages>()(['instance_ptr', 'messages']),
        properties: {
          instance_ptr: { type: 'string', pattern: '^#' },
          messages: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: requiredKeys<KratosErrorMessage>()(['id', 'text', 'type']),
              properties: {
                id: { type: 'integer' },
                text: { type: 'string' },
                type: { type: 'string', const: 'error' },
                context: { type: 'object', required: [], nullable: true },
              },
            },
          },
        },
      },
    },
  },
};

/**
 * ajv keywords in a fixed order: a message id is `idBase + index`, so ids stay stable across releases.
 * Append new keywords at the end, never reorder.
 */
export const kratosMessageKeywords = [
  'validation', // idBase + 0: anything not listed below, and a body with no usable errors
  'required',
  'type',
  'enum',
  'const',
  'format',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'additionalProperties',
  'oneOf',
  'anyOf',
  'not',
] as const;

export interface KratosErrorBodyOptions {
  /** (default=4000001) Id of the first keyword; the default sits in Kratos' own validation range 4000000+. */
  idBase?: number;
  /**
   * (default='') Instance path prefix to cut off, so pointers address Kratos UI nodes: with `'/identity'`,
   * an error at `/identity/traits/email` becomes `#/traits/email`, which Kratos shows under the email field.
   */
  relativeTo?: string;
}

/** A single Kratos error message body entry. */
export function kratosMessage(
  instancePtr: string,
  id: number,
  text: string,
  context?: Record<string, unknown>,
): KratosFieldMessages {
  const message: KratosErrorMessage = { id, text, type: 'error' };
  if (context !== undefined) message.context = context;
  return { instance_ptr: instancePtr, messages: [message] };
}

/**
 * Turns ajv errors into the Kratos `messages` body, one entry per field in order of first error.
 * Kratos rejects an empty `messages` list as "got no validation errors", so no errors still yield one
 * form-wide message.
 */
export function toKratosErrorBody(
  errors: ErrorObject[] | null | undefined,
  opts: KratosErrorBodyOptions = {},
): KratosErrorBody {
  const idBase = opts.idBase ?? 4000001;
  if (!Number.isSafeInteger(idBase)) throw new RangeError(`idBase must be a safe integer, got ${idBase}`);
  const byPointer = new Map<string, KratosFieldMessages>();
  for (const error of errors ?? []) {
    const path = stripPrefix(errorPointer(error), opts.relativeTo ?? '');
    const ptr = `#${path || '/'}`;
    const entry = byPointer.get(ptr) ?? { instance_ptr: ptr, messages: [] };
    const text = messageText(path, error);
    if (!entry.messages.some((m) => m.text === text)) {
      entry.messages.push({
        id: keywordId(error.keyword, idBase),
        text,
        type: 'error',
        context: contextOf(error),
      });
    }
    byPointer.set(ptr, entry);
  }
  if (byPointer.size === 0) return { messages: [kratosMessage('#/', idBase, 'The request is invalid.')] };
  return { messages: [...byPointer.values()] };
}

function keywordId(keyword: string, idBase: number): number {
  const index = (kratosMessageKeywords as readonly string[]).indexOf(keyword);
  return idBase + Math.max(index, 0);
}

function messageText(path: string, error: ErrorObject): string {
  if (error.keyword === 'required') return `${dottedPath(path)} is required`;
  // Errors about the whole body land in Kratos' form-wide messages, where "must be object" alone is unclear.
  if (path === '') return `request body ${errorText(error)}`;
  return errorText(error);
}

function contextOf(error: ErrorObject): Record<string, unknown> {
  return { keyword: error.keyword, params: error.params };
}

function stripPrefix(path: string, prefix: string): string {
  if (prefix === '' || !(path === prefix || path.startsWith(`${prefix}/`))) return path;
  return path.slice(prefix.length);
}

/** `/identity/verifiable_addresses/0/value` → `identity.verifiable_addresses[0].value`. */
export function dottedPath(pointer: string): string {
  const tokens = pointer
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  return tokens.reduce((out, t) => (/^\d+$/.test(t) ? `${out}[${t}]` : out ? `${out}.${t}` : t), '');
}
