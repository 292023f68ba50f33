import { httpErrorHandler, type ErrorMiddleware } from '@identity-relay/runtime';
import type { Request } from 'express';
import { AuthError } from '../auth/authenticator.js';

/**
 * The API's error handler: the shared problem+json mapper of packages/runtime, after `onAuthFailure` heard of
 * every refused credential (a 401 for a token that was sent), so failed attempts are counted per client address.
 */
export function apiErrorHandler(
  onUnexpected: (err: unknown) => void,
  onAuthFailure: (req: Request) => void = () => undefined,
): ErrorMiddleware {
  const answer = httpErrorHandler({ onUnexpected });
  return (err, req, res, next) => {
    if (err instanceof AuthError && err.status === 401 && err.code !== 'no_token')
      onAuthFailure(req as Request);
    answer(err, req, res, next);
  };
}
