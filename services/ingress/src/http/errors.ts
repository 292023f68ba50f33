import type { ErrorRequestHandler, Response } from 'express';

/** An error with an HTTP status that is safe to show to the caller. Anything else becomes a 500 without detail. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Response body to send instead of the default `{ error }` shape (e.g. Kratos `messages`). */
    readonly body?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Renders an error as one route family's callers expect it (Kratos `messages`, seed 004's `{code, message}`). */
export type ErrorFormat = (err: HttpError) => unknown;

export const defaultErrorFormat: ErrorFormat = (err) => ({
  error: { status: err.status, code: err.code, message: err.message },
});

export function sendError(res: Response, err: HttpError, format: ErrorFormat = defaultErrorFormat): void {
  if (err.headers) res.set(err.headers);
  res.status(err.status).json(err.body ?? format(err));
}

/** Maps body-parser failures to the 4xx they are, so bad input never becomes a 5xx. */
function fromBodyParser(err: {
  type?: string;
  status?: number;
  message?: string;
  limit?: number;
}): HttpError | null {
  switch (err.type) {
    case 'entity.too.large':
      return new HttpError(413, 'payload_too_large', `request body exceeds the limit of ${err.limit} bytes`);
    case 'encoding.unsupported':
      return new HttpError(415, 'unsupported_encoding', err.message ?? 'unsupported content encoding');
    case 'charset.unsupported':
      return new HttpError(415, 'unsupported_charset', err.message ?? 'unsupported charset');
    case 'request.aborted':
      return new HttpError(400, 'request_aborted', 'request aborted by the client');
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new HttpError(400, 'invalid_body', err.message ?? 'invalid request body');
    default:
      if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
        return new HttpError(err.status, 'bad_request', err.message ?? 'bad request');
      }
      return null;
  }
}

/** The HttpError an error stands for, or null when it is unexpected (a bug: 500). */
export function asHttpError(err: unknown): HttpError | null {
  if (err instanceof HttpError) return err;
  return typeof err === 'object' && err !== null ? fromBodyParser(err) : null;
}

export function errorHandler(
  onUnexpected: (err: unknown) => void,
  format?: ErrorFormat,
): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const known = asHttpError(err);
    if (known) return sendError(res, known, format);
    onUnexpected(err);
    sendError(res, new HttpError(500, 'internal_error', 'internal error'), format);
  };
}
