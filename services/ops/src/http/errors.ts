import { PublishError } from '@identity-relay/bus';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { AuthError, AuthUnavailableError } from '../auth/authenticator.js';
import { BadRequestError, ConflictError, InvalidMessageError, NotFoundError, OpsError } from '../errors.js';
import { TooManyAttemptsError } from './auth-failures.js';

export interface HttpFailure {
  status: number;
  code: string;
  message: string;
}

/** Seconds a client should wait before trying again (Retry-After), for 429 and 503 answers. */
export function retryAfterOf(err: unknown): number | undefined {
  if (err instanceof TooManyAttemptsError || err instanceof AuthUnavailableError)
    return err.retryAfterSeconds;
  return undefined;
}

/** The HTTP answer for an error, or null for an unexpected one (a bug: 500 without detail). */
export function httpFailureOf(err: unknown): HttpFailure | null {
  if (err instanceof AuthError) return { status: err.status, code: err.code, message: err.message };
  if (err instanceof AuthUnavailableError) return { status: 503, code: err.code, message: err.message };
  if (err instanceof TooManyAttemptsError) return { status: 429, code: err.code, message: err.message };
  if (err instanceof BadRequestError) return { status: 400, code: err.code, message: err.message };
  if (err instanceof NotFoundError) return { status: 404, code: err.code, message: err.message };
  if (err instanceof ConflictError) return { status: 409, code: err.code, message: err.message };
  if (err instanceof InvalidMessageError) return { status: 422, code: err.code, message: err.message };
  if (err instanceof PublishError)
    return { status: 503, code: err.code, message: `broker did not take the replay: ${err.message}` };
  if (err instanceof OpsError) return { status: 400, code: err.code, message: err.message };
  const parser = err as { type?: string; status?: number; message?: string };
  if (typeof parser.status === 'number' && parser.status >= 400 && parser.status < 500) {
    return {
      status: parser.status,
      code: parser.type ?? 'BAD_REQUEST',
      message: parser.message ?? 'bad request',
    };
  }
  return null;
}

export function sendFailure(res: Response, f: HttpFailure): void {
  if (f.status === 401) res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
  res.status(f.status).json({ error: f });
}

/**
 * `onAuthFailure` hears of every refused credential (401 for a token that was sent), so failed
 * attempts are counted per client address.
 */
export function apiErrorHandler(
  onUnexpected: (err: unknown) => void,
  onAuthFailure: (req: Request) => void = () => undefined,
): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const failure = httpFailureOf(err);
    if (err instanceof AuthError && err.status === 401 && err.code !== 'NO_TOKEN') onAuthFailure(req);
    const wait = retryAfterOf(err);
    if (wait !== undefined) res.set('Retry-After', String(wait));
    if (failure) return sendFailure(res, failure);
    onUnexpected(err);
    sendFailure(res, { status: 500, code: 'INTERNAL', message: 'internal error' });
  };
}
