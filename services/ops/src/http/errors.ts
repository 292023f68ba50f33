import { PublishError } from '@identity-relay/bus';
import { HttpError, httpErrorHandler, type ErrorMiddleware } from '@identity-relay/runtime';
import type { Request } from 'express';
import { AuthError } from '../auth/authenticator.js';

/** The broker did not take a replay: the caller may retry (HTTP 503); the entry stays as it was. */
function brokerUnavailable(err: PublishError): HttpError {
  return new HttpError(503, 'broker_unavailable', `broker did not take the replay: ${err.message}`, {
    cause: err,
    headers: { 'Retry-After': '5' },
  });
}

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
    answer(err instanceof PublishError ? brokerUnavailable(err) : err, req, res, next);
  };
}
