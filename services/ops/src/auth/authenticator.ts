import { createHash, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { OpsError } from '../errors.js';
import { claimAt, roleFrom, rolesIn, type Role } from './roles.js';

/** Who is calling and what they may do; `actor` is what the audit log records. */
export interface Principal {
  actor: string;
  role: Role;
}

/** 401 (no or bad credentials) or 403 (valid credentials without the needed role). */
export class AuthError extends OpsError {
  constructor(
    readonly status: 401 | 403,
    message: string,
    options: { code: string; cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface OidcOptions {
  issuer: string;
  audience: string;
  /** Unset: the `jwks_uri` of the issuer's discovery document. */
  jwksUrl?: string;
  roleClaim: string;
  readRole: string;
  operatorRole: string;
}

export interface AuthOptions {
  /** Static bearer token with operator rights. */
  opsToken?: string;
  oidc?: OidcOptions;
  /** (default=30) Allowed clock difference with the issuer, in seconds. 0..300. */
  clockToleranceSeconds?: number;
}

export type Authenticator = (token: string | undefined) => Promise<Principal>;

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

async function discoverJwksUrl(issuer: string): Promise<URL> {
  const url = new URL(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`OIDC discovery at ${url} answered ${res.status}`);
  const doc = (await res.json()) as { jwks_uri?: unknown };
  if (typeof doc.jwks_uri !== 'string') throw new Error(`OIDC discovery at ${url} has no jwks_uri`);
  return new URL(doc.jwks_uri);
}

/** Keys are fetched on first use (and re-fetched by jose on an unknown `kid`); a failed discovery is retried next time. */
function keySource(oidc: OidcOptions): () => Promise<ReturnType<typeof createRemoteJWKSet>> {
  let jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  return () => {
    jwks ??= (oidc.jwksUrl ? Promise.resolve(new URL(oidc.jwksUrl)) : discoverJwksUrl(oidc.issuer)).then(
      (url) => createRemoteJWKSet(url),
    );
    jwks.catch(() => (jwks = undefined));
    return jwks;
  };
}

function jwtFailure(err: unknown): AuthError {
  if (err instanceof joseErrors.JWTExpired)
    return new AuthError(401, 'token expired', { code: 'TOKEN_EXPIRED', cause: err });
  if (err instanceof joseErrors.JOSEError)
    return new AuthError(401, `invalid token: ${err.message}`, { code: 'INVALID_TOKEN', cause: err });
  return new AuthError(401, 'could not verify the token', { code: 'INVALID_TOKEN', cause: err });
}

function actorOf(payload: JWTPayload): string {
  const name = payload.preferred_username ?? payload.email;
  return `oidc:${payload.sub ?? 'unknown'}${typeof name === 'string' ? ` (${name})` : ''}`;
}

/**
 * Accepts the static OPS_TOKEN (operator) or, when OIDC is configured, a JWT signed by the issuer's
 * keys, for the configured audience, unexpired, carrying a read or operator role. Nothing else.
 */
export function createAuthenticator(opts: AuthOptions): Authenticator {
  const tolerance = opts.clockToleranceSeconds ?? 30;
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 300) {
    throw new RangeError(`clockToleranceSeconds must be an integer in 0..300, got ${tolerance}`);
  }
  const keys = opts.oidc ? keySource(opts.oidc) : undefined;
  return async (token) => {
    if (!token)
      throw new AuthError(401, 'authentication required: send Authorization: Bearer <token>', {
        code: 'NO_TOKEN',
      });
    if (opts.opsToken && sameSecret(token, opts.opsToken)) return { actor: 'ops-token', role: 'operator' };
    const oidc = opts.oidc;
    if (!oidc || !keys || token.split('.').length !== 3)
      throw new AuthError(401, 'invalid token', { code: 'INVALID_TOKEN' });
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await keys(), {
        issuer: oidc.issuer,
        audience: oidc.audience,
        clockTolerance: tolerance,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw jwtFailure(err);
    }
    const role = roleFrom(rolesIn(claimAt(payload, oidc.roleClaim)), {
      read: oidc.readRole,
      operator: oidc.operatorRole,
    });
    if (!role) {
      throw new AuthError(
        403,
        `token has neither ${oidc.readRole} nor ${oidc.operatorRole} in claim ${oidc.roleClaim}`,
        { code: 'NO_ROLE' },
      );
    }
    return { actor: actorOf(payload), role };
  };
}
