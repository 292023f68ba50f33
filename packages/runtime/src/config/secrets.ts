import { randomBytes } from 'node:crypto';
import type { AnyVariable, RawValues } from './variable.js';

/** Bytes of randomness in a generated secret (256 bits), encoded base64url. */
const GENERATED_SECRET_BYTES = 32;

export function generateSecret(): string {
  return randomBytes(GENERATED_SECRET_BYTES).toString('base64url');
}

/** (characters) Shortest secret production accepts; generated ones are 43. */
export const MIN_SECRET_LENGTH = 24;

/**
 * Values that ship in examples, charts and tutorials, compared after lower-casing and dropping everything
 * but letters and digits (`Change-Me!` → `changeme`). A value containing one of PLACEHOLDER_PARTS counts too
 * (`change-me-kratos-key`, `replace-me-with-a-real-key`).
 */
const PLACEHOLDERS = new Set([
  'secret',
  'password',
  'passw0rd',
  'admin',
  'test',
  'example',
  'default',
  'token',
  'apikey',
  'key',
  'letmein',
  'identityrelay',
  'xxx',
  'todo',
  'fixme',
  'mysecret',
  'supersecret',
  'secretkey',
  'yoursecret',
  'yourapikey',
  'yourtoken',
]);
const PLACEHOLDER_PARTS = ['changeme', 'replaceme', 'changethis', 'setme', 'fillmein', 'insertsecret'];

const fold = (value: string): string => value.toLowerCase().replace(/[^a-z0-9]/g, '');
const hasPlaceholderPart = (folded: string): boolean =>
  PLACEHOLDER_PARTS.some((part) => folded.includes(part));

/** True when `value` is a well-known placeholder rather than a chosen secret. */
export function isPlaceholderSecret(value: string): boolean {
  const folded = fold(value);
  if (folded === '' || PLACEHOLDERS.has(folded) || hasPlaceholderPart(folded)) return true;
  // One character repeated (`xxxxxxxx…`, `00000000…`) is a placeholder of any length.
  return /^(.)\1*$/.test(folded);
}

/** Placeholder passwords inside URLs (`amqp://user:change-me@…`); a broker's own `guest` stays allowed. */
function isPlaceholderPassword(password: string): boolean {
  const folded = fold(password);
  return folded === 'secret' || folded === 'password' || hasPlaceholderPart(folded);
}

/** The password part of a URL (`amqp://user:password@host`), if it has one. */
function urlPassword(value: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(value).password);
    return password === '' ? undefined : password;
  } catch {
    return undefined;
  }
}

/**
 * In production, every configured secret must be chosen for this deployment: no known placeholder
 * (`change-me…`, `secret`, `password`…) and at least MIN_SECRET_LENGTH characters. Passwords inside
 * URLs (AMQP_URL, DATABASE_URL, SMTP_URL) are checked for placeholders only: their length is the
 * database's or broker's business. Values are never echoed. `failed` holds variables already reported.
 */
export function weakSecretProblems(
  variables: readonly AnyVariable[],
  raw: RawValues,
  failed: ReadonlySet<string>,
): string[] {
  if (raw.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  for (const spec of variables) {
    const value = raw[spec.env];
    if (value === undefined || failed.has(spec.env)) continue;
    const text = String(value);
    if (spec.secret) {
      const bare = text.startsWith('whsec_') ? text.slice(6) : text;
      if (isPlaceholderSecret(bare))
        problems.push(`${spec.env}: is a known placeholder; set a secret of your own`);
      else if (bare.length < MIN_SECRET_LENGTH)
        problems.push(`${spec.env}: must be at least ${MIN_SECRET_LENGTH} characters in production`);
    } else if (spec.sensitive) {
      const password = urlPassword(text);
      if (password !== undefined && isPlaceholderPassword(password))
        problems.push(`${spec.env}: the password in the URL is a known placeholder; set one of your own`);
    }
  }
  return problems;
}
