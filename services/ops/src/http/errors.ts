import { PublishError } from '@identity-relay/bus';
import type { ErrorRequestHandler, Response } from 'express';
import { AuthError, AuthUnavailableError } from '../auth/authenticator.js';
import { BadRequestError, ConflictError, NotFoundError, OpsError } from '../errors.js';

export interface HttpFailure {
  status: number;
  code: string;
  message: string;
}

/** The HTTP answer for an error, or null for an unexpected one (a bug: 500 without detail). */
export function httpFailureOf(err: unknown): HttpFailure | null {
  if (err instanceof AuthError) return { status: err.status, code: err.code, message: err.message };
  if (err instanceof AuthUnavailableError) return { status: 503, code: err.code, message: err.message };
  if (err instanceof BadRequestError) return { status: 400, code: err.code, message: err.message };
  if (err instanceof NotFoundError) return { status: 404, code: err.code, message: err.message };
  if (err instanceof ConflictError) return { status: 409, code: err.code, message: err.message };
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

export function apiErrorHandler(onUnexpected: (err: unknown) => void): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const failure = httpFailureOf(err);
    if (failure) return sendFailure(res, failure);
    onUnexpected(err);
    sendFailure(res, { status: 500, code: 'INTERNAL', message: 'internal error' });
  };
}
