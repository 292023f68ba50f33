import { createHash, hash, timingSafeEqual } from 'node:crypto';

/** Digests of the configured secrets (`b` below): a handful per process, hashed once instead of per request. */
const secretDigests = new Map<string, Buffer>();

/** Constant-time string comparison (hashing first removes the length leak of timingSafeEqual). */
export function safeEqual(a: string, b: string): boolean {
  // One-shot hash: no Hash object per request.
  const ha = hash('sha256', a, 'buffer');
  let hb = secretDigests.get(b);
  if (!hb) {
    hb = createHash('sha256').update(b).digest();
    if (secretDigests.size < 64) secretDigests.set(b, hb);
  }
  return timingSafeEqual(ha, hb);
}

export interface CredentialOptions {
  /** Accepted API key; compared in constant time. */
  apiKey?: string;
  /** Header carrying the API key (case-insensitive). Default `x-api-key`. */
  apiKeyHeader?: string;
  /** Also accept `Authorization: Bearer <apiKey>`. */
  acceptBearer?: boolean;
  /** HTTP basic credentials accepted as an alternative. */
  basic?: { user: string; password: string };
}

function basicMatches(header: string | undefined, basic: CredentialOptions['basic']): boolean {
  if (!basic || !header?.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Evaluate both comparisons so timing does not reveal which part was wrong.
  const userOk = safeEqual(decoded.slice(0, colon), basic.user);
  const passOk = safeEqual(decoded.slice(colon + 1), basic.password);
  return userOk && passOk;
}

/** Pure check used by the middleware; exported for unit tests. */
export function credentialsMatch(
  headers: Record<string, string | string[] | undefined>,
  opts: CredentialOptions,
): boolean {
  const headerName = (opts.apiKeyHeader ?? 'x-api-key').toLowerCase();
  const raw = headers[headerName];
  const provided = Array.isArray(raw) ? raw[0] : raw;
  const authorization = typeof headers.authorization === 'string' ? headers.authorization : undefined;
  if (opts.apiKey) {
    if (provided !== undefined && safeEqual(provided, opts.apiKey)) return true;
    if (opts.acceptBearer && authorization?.startsWith('Bearer ')) {
      if (safeEqual(authorization.slice(7).trim(), opts.apiKey)) return true;
    }
  }
  return basicMatches(authorization, opts.basic);
}
