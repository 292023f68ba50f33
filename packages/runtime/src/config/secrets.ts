import { randomBytes } from 'node:crypto';
import type { RawValues } from './load.js';
import type { ServiceName } from './types.js';
import { VARIABLES } from './variables.js';

/** Bytes of randomness in a generated secret (256 bits), encoded base64url. */
const GENERATED_SECRET_BYTES = 32;

/** Secrets `service` cannot run without, given what else is configured. */
export function requiredSecrets(service: ServiceName, raw: RawValues): string[] {
  switch (service) {
    case 'ingress': {
      // HTTP basic is an alternative way for Kratos to authenticate; then no API key is needed.
      const kratosBasic = raw.KRATOS_BASIC_USER !== undefined && raw.KRATOS_BASIC_PASSWORD !== undefined;
      return [
        ...(kratosBasic ? [] : ['KRATOS_API_KEY']),
        'HOOKS_API_KEY',
        'NOTIFY_API_KEY',
        'AUTHENTIK_WEBHOOK_TOKEN',
        'UNSUBSCRIBE_SECRET',
      ];
    }
    case 'notifier':
      // Signs the unsubscribe links the ingress verifies: both must share the value.
      return ['UNSUBSCRIBE_SECRET'];
    case 'ops':
      // With OIDC the ops API accepts the issuer's JWTs instead of a static token.
      return raw.OIDC_ISSUER === undefined ? ['OPS_TOKEN'] : [];
    default:
      return [];
  }
}

export function generateSecret(): string {
  return randomBytes(GENERATED_SECRET_BYTES).toString('base64url');
}

/**
 * Missing required secrets are a problem in production and generated otherwise, so a
 * development checkout starts with no setup and a production one never runs with guessable keys.
 */
export function resolveSecrets(
  service: ServiceName,
  raw: RawValues,
): { problems: string[]; generated: Record<string, string> } {
  const problems: string[] = [];
  const generated: Record<string, string> = {};
  for (const name of requiredSecrets(service, raw)) {
    if (raw[name] !== undefined) continue;
    if (raw.NODE_ENV === 'production') problems.push(`${name}: required in production`);
    else generated[name] = generateSecret();
  }
  return { problems, generated };
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
export function weakSecretProblems(raw: RawValues, failed: ReadonlySet<string>): string[] {
  if (raw.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  for (const spec of VARIABLES) {
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
