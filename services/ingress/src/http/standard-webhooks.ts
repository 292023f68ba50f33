import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/*
 * Standard Webhooks symmetric signatures (reference §5): HMAC-SHA256 over `${id}.${timestamp}.${rawBody}`
 * with the key base64-decoded from `whsec_<base64>`; the `webhook-signature` header is a space-separated
 * list of `v1,<base64>` entries (several during key rotation); other versions are skipped. Svix sends the
 * same scheme under `svix-id`, `svix-timestamp` and `svix-signature`; both sets are accepted. The tests check
 * this module against the official `standardwebhooks` package both ways.
 */

/** (seconds) Accepted clock difference either way, as in the reference libraries. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export class SignatureError extends Error {
  constructor(
    readonly code:
      | 'signature_missing'
      | 'signature_malformed'
      | 'timestamp_too_old'
      | 'timestamp_too_new'
      | 'signature_mismatch',
    message: string,
  ) {
    super(message);
    this.name = 'SignatureError';
  }
}

/** The HMAC key of a `whsec_` secret (a bare base64 key is accepted too). */
export function signingKey(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  if (key.length === 0) throw new RangeError('signing secret decodes to an empty key');
  return key;
}

/** The `v1,<base64>` signature of one message. */
export function signStandardWebhook(
  key: Buffer,
  id: string,
  timestamp: number,
  body: Buffer | string,
): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

export interface VerifyInput {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  body: Buffer;
}

/** The header names of the scheme: Standard Webhooks' own, then Svix's. */
const HEADER_SETS = [
  { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' },
  { id: 'svix-id', timestamp: 'svix-timestamp', signature: 'svix-signature' },
] as const;

const single = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/**
 * The signature headers of a request, all three from one set: the first set whose signature header is present
 * (`webhook-*`, else `svix-*`); undefined when the request carries neither signature header.
 */
export function signatureHeaders(headers: IncomingHttpHeaders): Omit<VerifyInput, 'body'> | undefined {
  const names = HEADER_SETS.find((set) => headers[set.signature] !== undefined);
  if (!names) return undefined;
  return {
    id: single(headers[names.id]),
    timestamp: single(headers[names.timestamp]),
    signature: single(headers[names.signature]),
  };
}

export interface VerifyOptions {
  /** (default=300, seconds) Tolerance for `webhook-timestamp` either way. */
  toleranceSeconds?: number;
  /** (default=Date.now()/1000) Current unix time in seconds. */
  nowSeconds?: number;
}

/** Verifies one signed request; throws a SignatureError saying what is wrong, returns the message id. */
export function verifyStandardWebhook(key: Buffer, input: VerifyInput, opts: VerifyOptions = {}): string {
  const { id, timestamp, signature } = input;
  if (!id || !timestamp || !signature) {
    throw new SignatureError(
      'signature_missing',
      'webhook-id, webhook-timestamp and webhook-signature are required',
    );
  }
  if (id.includes('.') || id.length > 256 || !/^\d{1,12}$/.test(timestamp)) {
    throw new SignatureError('signature_malformed', 'webhook-id or webhook-timestamp is malformed');
  }
  const tolerance = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  const ts = Number(timestamp);
  if (ts < now - tolerance) throw new SignatureError('timestamp_too_old', 'webhook-timestamp is too old');
  if (ts > now + tolerance)
    throw new SignatureError('timestamp_too_new', 'webhook-timestamp is in the future');
  const expected = Buffer.from(signStandardWebhook(key, id, ts, input.body).slice(3), 'base64');
  for (const entry of signature.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(entry.slice(comma + 1), 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return id;
  }
  throw new SignatureError('signature_mismatch', 'no v1 signature matches');
}
