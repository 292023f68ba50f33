import { createHash, timingSafeEqual } from 'node:crypto';
import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { HttpError } from '@identity-relay/runtime';
import { FetchBackoff } from './backoff.js';
import { grantsOfClaims, roleOf, type Grant, type RoleMapping, type Role } from './roles.js';

/** Who is calling and what they may do; `actor` is what the audit log records. */
export interface Principal {
  /** `ops-token`, or `oidc:<sub> (<name>)`. */
  actor: string;
  /** Whom a console session is created for: `ops-token` or `oidc:<sub>`. */
  subject: string;
  /** Display name (preferred_username or email), when known. */
  name?: string;
  role: Role;
  grants: readonly Grant[];
  /** When the credential stops being valid (a JWT's `exp`); a console session ends no later. */
  expiresAt?: Date;
  /** `credentialFingerprint` of a shared secret (OPS_TOKEN) that authenticated: a console session ends with it. */
  credential?: string;
}

/**
 * Names a shared secret without revealing it: sha256 of a label and the secret (a stored fingerprint cannot be
 * replayed as the token, and a 24+ character random secret cannot be guessed from it). Sessions created with
 * OPS_TOKEN keep it, so rotating OPS_TOKEN ends them.
 */
export function credentialFingerprint(secret: string): string {
  return createHash('sha256')
    .update('identity-relay ops credential\0')
    .update(secret)
    .digest('hex')
    .slice(0, 32);
}

/** 401 (no or bad credentials) or 403 (valid credentials without the needed role). */
export class AuthError extends HttpError {
  declare readonly status: 401 | 403;

  constructor(status: 401 | 403, message: string, options: { code: string; cause?: unknown }) {
    super(status, options.code, message, {
      cause: options.cause,
      headers: status === 401 ? { 'WWW-Authenticate': 'Bearer error="invalid_token"' } : undefined,
    });
  }
}

/** The issuer's discovery document or keys cannot be fetched right now (HTTP 503); says nothing about the token. */
export class AuthUnavailableError extends HttpError {
  constructor(
    readonly retryAfterSeconds: number,
    options: { cause?: unknown } = {},
  ) {
    super(503, 'auth_unavailable', 'token verification is unavailable; try again later', {
      cause: options.cause,
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

export interface OidcOptions extends RoleMapping {
  issuer: string;
  audience: string;
  /** Unset: the `jwks_uri` of the issuer's discovery document. */
  jwksUrl?: string;
  /** Refuse http:// issuer, JWKS and discovered `jwks_uri` (production). */
  requireHttps?: boolean;
}

export interface AuthOptions {
  /** Static bearer token with operator rights. */
  opsToken?: string;
  oidc?: OidcOptions;
  /** (default=30) Allowed clock difference with the issuer, in seconds. 0..300. */
  clockToleranceSeconds?: number;
  /** Why a token was refused, for a debug log line; the client only hears "invalid token". */
  onRejected?: (reason: string) => void;
}

export type Authenticator = (token: string | undefined) => Promise<Principal>;

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function checkedUrl(value: string, what: string, requireHttps: boolean): URL {
  const url = new URL(value);
  if (url.protocol !== 'https:' && (requireHttps || url.protocol !== 'http:'))
    throw new Error(`${what} must be an https:// URL, got ${url.protocol}//${url.host}`);
  return url;
}

async function discoverJwksUrl(issuer: string, requireHttps: boolean): Promise<URL> {
  const url = new URL(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: 'error' });
  if (!res.ok) throw new Error(`OIDC discovery at ${url} answered ${res.status}`);
  const doc = (await res.json()) as { jwks_uri?: unknown };
  if (typeof doc.jwks_uri !== 'string') throw new Error(`OIDC discovery at ${url} has no jwks_uri`);
  return checkedUrl(doc.jwks_uri, 'the discovered jwks_uri', requireHttps);
}

/** (ms) First wait after the issuer could not be reached; doubles per failure up to MAX_BACKOFF_MS. */
/** Errors of jose's key lookup that are about the token (unknown or ambiguous kid), not the issuer. */
const TOKEN_KEY_ERRORS = [joseErrors.JWKSNoMatchingKey, joseErrors.JWKSMultipleMatchingKeys];

/**
 * The issuer's keys: discovery on first use, keys through jose (which caches them and refetches on
 * an unknown `kid` at most every 30 s). When discovery or the key fetch fails, nothing is fetched
 * again until the `FetchBackoff` has passed: callers get 503 meanwhile.
 */
class IssuerKeys {
  private keys: JWTVerifyGetKey | undefined;
  private pending: Promise<JWTVerifyGetKey> | undefined;
  private readonly backoff: FetchBackoff;

  constructor(
    private readonly oidc: OidcOptions,
    now: () => number = Date.now,
  ) {
    this.backoff = new FetchBackoff(now);
  }

  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const keys = await this.load();
    try {
      const key = await keys(header, token);
      this.backoff.succeeded();
      return key;
    } catch (err) {
      if (!TOKEN_KEY_ERRORS.some((type) => err instanceof type)) this.backoff.failed();
      throw err;
    }
  };

  private load(): Promise<JWTVerifyGetKey> {
    const wait = this.backoff.waitSeconds();
    if (wait > 0) return Promise.reject(new AuthUnavailableError(wait));
    if (this.keys) return Promise.resolve(this.keys);
    const https = this.oidc.requireHttps === true;
    this.pending ??= (
      this.oidc.jwksUrl
        ? Promise.resolve(checkedUrl(this.oidc.jwksUrl, 'OIDC_JWKS_URL', https))
        : discoverJwksUrl(this.oidc.issuer, https)
    )
      .then((url) => (this.keys = createRemoteJWKSet(url, { timeoutDuration: 5_000 })))
      .catch((err: unknown) => {
        this.backoff.failed();
        throw new AuthUnavailableError(this.backoff.waitSeconds(), { cause: err });
      })
      .finally(() => (this.pending = undefined));
    return this.pending;
  }
}

/** Who an OIDC token or sign-in stands for: `oidc:<sub>`, named by preferred_username or email. */
export function actorOf(payload: JWTPayload): { subject: string; name?: string; actor: string } {
  const name = payload.preferred_username ?? payload.email;
  const subject = `oidc:${payload.sub ?? 'unknown'}`;
  return typeof name === 'string'
    ? { subject, name, actor: `${subject} (${name})` }
    : { subject, actor: subject };
}

const invalid = (cause?: unknown): AuthError =>
  new AuthError(401, 'invalid or expired token', { code: 'invalid_token', cause });

/**
 * Accepts the static OPS_TOKEN (operator) or, when OIDC is configured, a JWT signed by the issuer's
 * keys, for the configured audience, unexpired, carrying a read or operator role. Nothing else.
 * Every refused token gets the same answer; the reason goes to `onRejected` only.
 */
export function createAuthenticator(opts: AuthOptions): Authenticator {
  const tolerance = opts.clockToleranceSeconds ?? 30;
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 300) {
    throw new RangeError(`clockToleranceSeconds must be an integer in 0..300, got ${tolerance}`);
  }
  const oidc = opts.oidc;
  if (oidc) {
    checkedUrl(oidc.issuer, 'OIDC_ISSUER', oidc.requireHttps === true);
    if (oidc.jwksUrl) checkedUrl(oidc.jwksUrl, 'OIDC_JWKS_URL', oidc.requireHttps === true);
  }
  const keys = oidc ? new IssuerKeys(oidc) : undefined;
  const rejected = (reason: string): void => opts.onRejected?.(reason);
  return async (token) => {
    if (!token)
      throw new AuthError(401, 'authentication required: send Authorization: Bearer <token>', {
        code: 'no_token',
      });
    if (opts.opsToken && sameSecret(token, opts.opsToken))
      return {
        actor: 'ops-token',
        subject: 'ops-token',
        role: 'operator',
        grants: ['operator', 'pii'],
        credential: credentialFingerprint(opts.opsToken),
      };
    if (!oidc || !keys || token.split('.').length !== 3) {
      rejected('neither OPS_TOKEN nor a JWT');
      throw invalid();
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys.getKey, {
        issuer: oidc.issuer,
        audience: oidc.audience,
        clockTolerance: tolerance,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      if (err instanceof AuthUnavailableError) throw err;
      rejected(err instanceof joseErrors.JOSEError ? `${err.code}: ${err.message}` : String(err));
      throw invalid(err);
    }
    const grants = grantsOfClaims(payload, oidc);
    const role = roleOf(grants);
    if (!role) {
      rejected(`no ${oidc.readRole} or ${oidc.operatorRole} in claim ${oidc.roleClaim}`);
      throw new AuthError(403, 'this token grants no ops role', { code: 'no_role' });
    }
    return { ...actorOf(payload), role, grants, expiresAt: new Date(payload.exp! * 1000) };
  };
}
