import type { Request } from 'express';
import { HttpError, type AuthFailureLimiter } from '@identity-relay/runtime';

/** The address has used up its failed attempts (HTTP 429 with Retry-After). */
export class TooManyAttemptsError extends HttpError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      429,
      'too_many_attempts',
      `too many failed authentication attempts from this address; retry in ${retryAfterSeconds} s`,
      { headers: { 'Retry-After': String(retryAfterSeconds) } },
    );
  }
}

/**
 * Failed authentication per client address (AUTH_FAILURES_PER_MINUTE), for the API's bearer tokens
 * and the console's sign-in alike. An address that used up its attempts is refused before its
 * credential is even checked, so a guess that happens to be right is not told apart from a wrong one;
 * successful requests spend nothing. The address is `req.ip`: the TCP peer, or the client named by
 * X-Forwarded-For through the TRUST_PROXY proxies.
 */
export class AuthFailureGuard {
  constructor(private readonly limiter?: AuthFailureLimiter) {}

  private static address(req: Request): string {
    return req.ip ?? req.socket.remoteAddress ?? 'unknown';
  }

  /** Throws TooManyAttemptsError while the request's address may not try again. */
  check(req: Request): void {
    const wait = this.limiter?.retryAfter(AuthFailureGuard.address(req)) ?? 0;
    if (wait > 0) throw new TooManyAttemptsError(wait);
  }

  /** Records a failed attempt of the request's address. */
  failed(req: Request): void {
    this.limiter?.fail(AuthFailureGuard.address(req));
  }
}
