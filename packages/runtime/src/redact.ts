import type { IncomingMessage, ServerResponse } from 'node:http';
import { stdSerializers } from 'pino';

/** How deep `sanitize` walks; deeper values are replaced, since they could not be checked. */
export const MAX_SANITIZE_DEPTH = 8;
export const REDACTED = '[REDACTED]';
const TRUNCATED = '[Truncated]';
const CIRCULAR = '[Circular]';

// Pragmatic, not RFC 5322: what an address looks like in logs. Requires a dot and an alphabetic
// TLD in the domain so `user@localhost` and `guest:guest@127.0.0.1` (URL credentials) do not match.
const EMAIL = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,}/g;
// `scheme://user:password@` — the password part of a URL.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s/@]+@/gi;
// Normalised (lower case, no `-`/`_`) key endings that hold secrets.
const SECRET_KEY = /(apikey|secret|secrets|token|password|passwd|authorization|cookie|signature)$/;

/** `jane.doe@example.org` → `j***@example.org`: the domain is kept because it helps debugging. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, 1)}***${address.slice(at)}`;
}

interface Walk {
  /** Mask email addresses. */
  emails: boolean;
  /** Redact secret-looking keys and URL passwords. */
  secrets: boolean;
  seen: WeakSet<object>;
}

function maskString(text: string, state: Walk): string {
  const withoutPasswords = state.secrets ? text.replace(URL_PASSWORD, `$1${REDACTED}@`) : text;
  return state.emails ? withoutPasswords.replace(EMAIL, maskEmail) : withoutPasswords;
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.toLowerCase().replace(/[-_]/g, ''));
}

function isRequest(value: object): value is IncomingMessage {
  return 'method' in value && 'headers' in value && 'socket' in value;
}

function isResponse(value: object): value is ServerResponse {
  return typeof (value as { setHeader?: unknown }).setHeader === 'function';
}

/** What JSON.stringify / pino would write for `value`, so the walk sees the logged shape. */
function loggedShape(value: object): unknown {
  if (value instanceof Error) {
    const { raw: _raw, ...serialized } = stdSerializers.err(value) as unknown as Record<string, unknown>;
    return serialized;
  }
  if (isRequest(value)) return stdSerializers.req(value);
  if (isResponse(value)) return stdSerializers.res(value);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return (value as { toJSON(): unknown }).toJSON();
  return value;
}

function walk(value: unknown, depth: number, state: Walk): unknown {
  if (typeof value === 'string') return maskString(value, state);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_SANITIZE_DEPTH) return TRUNCATED;
  if (state.seen.has(value)) return CIRCULAR;
  state.seen.add(value);
  const shape = loggedShape(value);
  // The shape is walked without being reshaped again, so a toJSON returning itself cannot loop.
  const result =
    shape !== null && typeof shape === 'object'
      ? walkEntries(shape, depth, state)
      : walk(shape, depth, state);
  state.seen.delete(value);
  return result;
}

function walkEntries(value: object, depth: number, state: Walk): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => walk(item, depth + 1, state));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const hide = state.secrets && isSecretKey(key) && item !== undefined && item !== null;
    copy[key] = hide ? REDACTED : walk(item, depth + 1, state);
  }
  return copy;
}

/**
 * A copy of `value` safe to log: values under secret-looking keys are replaced by `[REDACTED]`,
 * passwords in URLs are removed, and (when `emails` is true) email addresses are masked.
 * Errors, HTTP requests/responses and objects with `toJSON` are first turned into what would be
 * logged. Bounded depth; circular references are cut. Pure: the input is not modified.
 */
export function sanitize(value: unknown, opts: { emails: boolean }): unknown {
  return walk(value, 0, { emails: opts.emails, secrets: true, seen: new WeakSet() });
}

/**
 * Masks every email address (`j***@example.org`) in a string, or in any string value of an
 * object or array (a copy; the input is untouched). Keys are left alone; Errors, HTTP messages and
 * objects with `toJSON` come back in the shape pino would log them.
 */
export function maskEmails(value: string): string;
export function maskEmails(value: unknown): unknown;
export function maskEmails(value: unknown): unknown {
  return walk(value, 0, { emails: true, secrets: false, seen: new WeakSet() });
}
