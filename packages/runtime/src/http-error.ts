import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ErrorObject } from 'ajv';
import { errorPointer, errorText } from '@identity-relay/contracts';
import { maskEmails } from './redact.js';

/** One invalid field of a request (RFC 9457 §3's `errors` extension): where, and what is wrong with it. */
export interface FieldProblem {
  /** JSON pointer into the request body (`/filter/since`), or `#/query/limit`, `#/path/id` outside it. */
  pointer: string;
  detail: string;
}

export interface HttpErrorOptions {
  cause?: unknown;
  /** Headers the answer carries, e.g. `Retry-After` or `WWW-Authenticate`. */
  headers?: Readonly<Record<string, string>>;
  /** Per-field problems of a request that failed validation. */
  errors?: readonly FieldProblem[];
  /** The body an IdP dictates instead of problem+json (a Kratos `messages` body). Sent as application/json. */
  body?: unknown;
}

/**
 * A failure that is the caller's to know about: a status, a stable snake_case `code` and a message that is
 * safe to show. Every HTTP service of identity-relay throws these (or subclasses); anything else that
 * reaches the error handler is a bug and becomes a 500 without detail.
 */
export class HttpError extends Error {
  readonly headers?: Readonly<Record<string, string>>;
  readonly errors?: readonly FieldProblem[];
  readonly body?: unknown;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.headers = options.headers;
    this.errors = options.errors;
    this.body = options.body;
  }
}

/** An RFC 9457 problem details object, with the `code` and `errors` extensions. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldProblem[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem types are identified, not fetched: a tag URI (RFC 4151) per code. */
export const problemType = (code: string): string => `tag:identity-relay,2026:problem:${code}`;

/** Longest `detail` sent; a message is a sentence, never a dump. */
const MAX_DETAIL = 500;

/** What a caller may read: one line, no email address (callers echo lookups; logs and proxies keep bodies). */
function safeText(text: string): string {
  const line = text.split('\n', 1)[0]!;
  return maskEmails(line.length > MAX_DETAIL ? `${line.slice(0, MAX_DETAIL)}…` : line);
}

export function problemOf(err: HttpError): ProblemDetails {
  return {
    type: problemType(err.code),
    title: STATUS_CODES[err.status] ?? 'Error',
    status: err.status,
    detail: safeText(err.message),
    code: err.code,
    ...(err.errors &&
      err.errors.length > 0 && {
        errors: err.errors.map((e) => ({ pointer: e.pointer, detail: safeText(e.detail) })),
      }),
  };
}

/** Per-field problems from ajv errors; `prefix` places them (`#/query`, `#/path`; empty for the body). */
export function fieldProblems(
  errors: readonly ErrorObject[] | null | undefined,
  prefix = '',
): FieldProblem[] {
  const seen = new Set<string>();
  const out: FieldProblem[] = [];
  for (const error of errors ?? []) {
    const extra = error.keyword === 'additionalProperties';
    const name = extra
      ? `/${String((error.params as { additionalProperty: string }).additionalProperty)}`
      : '';
    const pointer = `${prefix}${errorPointer(error)}${name}` || '/';
    const detail = extra ? 'is not a known field' : errorText(error);
    if (seen.has(`${pointer}\0${detail}`)) continue;
    seen.add(`${pointer}\0${detail}`);
    out.push({ pointer, detail });
  }
  return out;
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
    case 'entity.parse.failed':
      // Not the parser's message: it quotes the body.
      return new HttpError(400, 'malformed_json', 'request body is not valid JSON');
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
      if (typeof err.status === 'number' && err.status >= 400 && err.status < 500)
        return new HttpError(err.status, 'bad_request', err.message ?? 'bad request');
      return null;
  }
}

/** The HttpError an error stands for, or null when it is unexpected (a bug: 500). */
export function asHttpError(err: unknown): HttpError | null {
  if (err instanceof HttpError) return err;
  return typeof err === 'object' && err !== null ? fromBodyParser(err) : null;
}

/** The 500 of an unexpected error: nothing of it reaches the caller. */
export const internalError = (): HttpError => new HttpError(500, 'internal_error', 'internal error');

/** The body of a route family whose caller dictates it (seed 004's hooks, Kratos `messages`); JSON. */
export type ErrorFormat = (err: HttpError) => unknown;

/**
 * Answers with the error: its own `body` if an IdP dictates one, else `format`'s body as application/json,
 * else RFC 9457 problem+json.
 */
export function sendHttpError(res: ServerResponse, err: HttpError, format?: ErrorFormat): void {
  for (const [name, value] of Object.entries(err.headers ?? {})) res.setHeader(name, value);
  const dictated = err.body !== undefined ? err.body : format?.(err);
  const text = JSON.stringify(dictated !== undefined ? dictated : problemOf(err));
  res.statusCode = err.status;
  res.setHeader(
    'Content-Type',
    dictated !== undefined ? 'application/json; charset=utf-8' : PROBLEM_CONTENT_TYPE,
  );
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

export interface HttpErrorHandlerOptions {
  /** Hears every error that is not an HttpError (a bug): log it; the caller gets a bare 500. */
  onUnexpected: (err: unknown, req: IncomingMessage) => void;
  /** The body format of a route family whose caller dictates it; unset: problem+json. */
  format?: ErrorFormat;
}

/** Express error middleware (`app.use(httpErrorHandler(...))`), typed without Express. */
export type ErrorMiddleware = (
  err: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

/** The one error-to-response mapper of the HTTP services. */
export function httpErrorHandler(opts: HttpErrorHandlerOptions): ErrorMiddleware {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const known = asHttpError(err);
    if (!known) opts.onUnexpected(err, req);
    sendHttpError(res, known ?? internalError(), opts.format);
  };
}

/** JSON Schema of a problem details body, for the OpenAPI documents. */
export const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details, with a stable `code` and per-field `errors` for validation',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', description: 'tag:identity-relay,2026:problem:<code>' },
    title: { type: 'string', description: 'The HTTP status text' },
    status: { type: 'integer' },
    detail: { type: 'string', description: 'What went wrong, for people; no personal data' },
    code: { type: 'string', description: 'Stable snake_case code for programs' },
    errors: {
      type: 'array',
      description: 'The invalid fields of a request that failed validation',
      items: {
        type: 'object',
        required: ['pointer', 'detail'],
        properties: {
          pointer: {
            type: 'string',
            description: 'JSON pointer into the body, or #/query/<name>, #/path/<name>, #/header/<name>',
          },
          detail: { type: 'string' },
        },
      },
    },
  },
} as const;
