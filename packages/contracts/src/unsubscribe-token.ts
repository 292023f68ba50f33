import { createHmac, timingSafeEqual } from 'node:crypto';
import { SINGLE_ADDRESS_PATTERN } from './unsubscribe.js';

// A token is `<payload>.<signature>`, both base64url: payload = "1\n<list>\n<email>", signature =
// HMAC-SHA256(secret, DOMAIN + payload). It names the list and the address itself, so the public endpoint
// verifies it without a database; it does not expire, because unsubscribe links must keep working.

const DOMAIN = 'identity-relay/unsubscribe\n';
const VERSION = '1';
const TOKEN = /^([A-Za-z0-9_-]{4,600})\.([A-Za-z0-9_-]{43})$/;
const LIST = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const EMAIL = new RegExp(SINGLE_ADDRESS_PATTERN);

/** Where an unsubscribe token points: one address on one list. */
export interface UnsubscribeTarget {
  list: string;
  email: string;
}

export type TokenCheck =
  | ({ ok: true } & UnsubscribeTarget)
  /** `malformed`: not a token at all (400); `signature`: well-formed but not signed by any current key (404). */
  | { ok: false; reason: 'malformed' | 'signature' };

/**
 * UNSUBSCRIBE_SECRET as keys: comma-separated, the first one signs and every one verifies, so a key is
 * rotated by putting the new one first and dropping the old one once the mails that carry it are old enough.
 */
export function unsubscribeKeys(secret: string): string[] {
  return secret
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
}

function sign(key: string, payload: string): Buffer {
  return createHmac('sha256', key).update(DOMAIN).update(payload).digest();
}

/** The token of (`list`, `email`) signed with the first key of `secret`. The address is lower-cased. */
export function signUnsubscribeToken(secret: string, target: UnsubscribeTarget): string {
  const [key] = unsubscribeKeys(secret);
  if (!key) throw new RangeError('UNSUBSCRIBE_SECRET holds no key');
  const payload = Buffer.from(`${VERSION}\n${target.list}\n${target.email.toLowerCase()}`, 'utf8').toString(
    'base64url',
  );
  return `${payload}.${sign(key, payload).toString('base64url')}`;
}

/** Checks a token against every key of `secret` (constant-time per key) and says what it names. */
export function verifyUnsubscribeToken(secret: string, token: string): TokenCheck {
  const match = TOKEN.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, payload, signature] = match as unknown as [string, string, string];
  const [version, list, email, ...rest] = Buffer.from(payload, 'base64url').toString('utf8').split('\n');
  if (version !== VERSION || rest.length > 0 || !list || !email || !LIST.test(list) || !EMAIL.test(email))
    return { ok: false, reason: 'malformed' };
  const given = Buffer.from(signature, 'base64url');
  const valid = unsubscribeKeys(secret).some((key) => {
    const expected = sign(key, payload);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return valid ? { ok: true, list, email } : { ok: false, reason: 'signature' };
}
