import type { Request, Response } from 'express';
import { HttpError, type AuthFailureLimiter, type TokenBucketLimiter } from '@identity-relay/runtime';

/**
 * Who the ingress slows down, and who it does not (docs/security.md, "Rate limits"):
 * - authenticated IdP traffic is never throttled by default: backpressure is the broker's (503 when it
 *   cannot confirm), since a 429 to Kratos during a registration spike loses identity changes;
 * - failed authentication is limited per client address (`req.ip`: the TCP peer, or the client named by
 *   X-Forwarded-For through TRUST_PROXY hops): past AUTH_FAILURES_PER_MINUTE, failures are answered 429;
 * - optionally, each credential has a quota (RATE_LIMIT_PER_SECOND / RATE_LIMIT_BURST).
 */
export interface AccessLimits {
  failures: AuthFailureLimiter;
  /** Per-credential quota; undefined = none. */
  quota?: TokenBucketLimiter;
  /** Counts refusals by reason, for the metrics. */
  onRefused?: (reason: 'unauthenticated' | 'auth_failures' | 'quota') => void;
}

/** The client address failures are counted against. */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

function tooMany(reason: string, wait: number): HttpError {
  return new HttpError(429, 'rate_limited', `${reason}; retry in ${wait} s`, {
    headers: { 'Retry-After': String(wait) },
  });
}

/**
 * Records a failed authentication: the HttpError to answer (`unauthorized` while the address has attempts left,
 * 429 after). The connection is closed after the answer, so an unread body is never waited for.
 */
export function authenticationFailed(
  limits: AccessLimits,
  req: Request,
  res: Response,
  unauthorized: HttpError,
): HttpError {
  res.set('Connection', 'close');
  const wait = limits.failures.fail(clientAddress(req));
  if (wait === 0) {
    limits.onRefused?.('unauthenticated');
    return unauthorized;
  }
  limits.onRefused?.('auth_failures');
  return tooMany('too many failed authentication attempts from this address', wait);
}

/** The quota check of an authenticated request of `credential`; undefined when it may go on. */
export function quotaExceeded(limits: AccessLimits, credential: string): HttpError | undefined {
  const wait = limits.quota?.take(credential) ?? 0;
  if (wait === 0) return undefined;
  limits.onRefused?.('quota');
  return tooMany(`request quota of this credential exceeded`, wait);
}
