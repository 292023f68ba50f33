import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { HttpError } from '@identity-relay/runtime';
import './locals.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Nesting deeper than this is refused before parsing; webhooks are shallow documents. */
export const MAX_JSON_DEPTH = 64;

/** Fast pre-parse scan so a deeply nested body cannot exhaust the stack of JSON.parse or ajv. */
export function jsonDepthExceeds(text: string, maxDepth: number): boolean {
  // Nesting cannot be deeper than the number of `{` and `[` in the text, counted with native indexOf: a webhook
  // has a handful, and this spares it the character-by-character scan below (half the cost of its JSON.parse).
  if (openersAtMost(text, maxDepth)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > maxDepth) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

function openersAtMost(text: string, max: number): boolean {
  let count = 0;
  for (const opener of ['{', '[']) {
    for (let i = text.indexOf(opener); i >= 0; i = text.indexOf(opener, i + 1))
      if (++count > max) return false;
  }
  return true;
}

export interface JsonBodyOptions {
  /** Handlers that run before anything is read, e.g. an authentication gate that refuses early. */
  beforeRead?: RequestHandler[];
  /** Handlers that run on the raw bytes (`res.locals.rawBody`) before parsing, e.g. signature checks. */
  beforeParse?: RequestHandler[];
}

/**
 * Parses a JSON request body into `req.body`, keeping the exact bytes in `res.locals.rawBody`. The content
 * type is checked before anything is read; the size limit applies to the decoded (inflated) body.
 * One route handler for the whole sequence (before-read handlers, content type, read, before-parse handlers,
 * parse) rather than one per step: each handler costs a pass through Express' router, which showed in the
 * ingress' profile under load.
 */
export function jsonBody(limitBytes: number, opts: JsonBodyOptions = {}): RequestHandler {
  const raw = express.raw({ type: () => true, limit: limitBytes });
  const requireJson: RequestHandler = (req, _res, next) => {
    const type = req.headers['content-type'];
    if (type !== 'application/json' && (!type || !JSON_TYPE.test(type))) {
      return next(
        new HttpError(
          415,
          'unsupported_media_type',
          `expected Content-Type application/json, got ${type ? JSON.stringify(type) : 'none'}`,
        ),
      );
    }
    next();
  };
  const keepRaw: RequestHandler = (req, res, next) => {
    res.locals.rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    next();
  };
  return inSequence([
    ...(opts.beforeRead ?? []),
    requireJson,
    raw,
    keepRaw,
    ...(opts.beforeParse ?? []),
    parse,
  ]);
}

/**
 * Synchronous-or-callback handlers run one after the other as one handler; the first error (passed or thrown,
 * also from a callback of a stream event, outside Express' own try/catch) goes to `next`.
 */
function inSequence(handlers: RequestHandler[]): RequestHandler {
  return (req, res, next) => {
    const run = (index: number): void => {
      const handler = handlers[index];
      if (!handler) return next();
      try {
        void handler(req, res, (err?: unknown) => {
          if (err !== undefined && err !== null) next(err);
          else run(index + 1);
        });
      } catch (err) {
        next(err);
      }
    };
    run(0);
  };
}

/** `res.locals.rawBody` as JSON into `req.body`: 400 when empty, too deep or malformed. */
function parse(req: Request, res: Response, next: NextFunction): void {
  const bytes = res.locals.rawBody ?? Buffer.alloc(0);
  const text = bytes.toString('utf8');
  if (text.trim() === '')
    return next(new HttpError(400, 'empty_body', 'request body is empty; expected a JSON object'));
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    return next(new HttpError(400, 'json_too_deep', `JSON nesting exceeds ${MAX_JSON_DEPTH} levels`));
  }
  try {
    req.body = JSON.parse(text);
  } catch {
    return next(new HttpError(400, 'malformed_json', 'malformed JSON body'));
  }
  next();
}
