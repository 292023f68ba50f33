import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import './locals.js';
import { startRequestSpan } from './trace-context.js';

/** A caller's request id is reused only when it is short and plain, so it cannot forge log lines or headers. */
const USABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && USABLE_ID.test(value) ? value : randomUUID();
}

/**
 * Gives every request an id (echoed as `X-Request-Id` on every response, errors included), a W3C trace
 * context (`res.locals.traceparent`, continuing the caller's `traceparent`), a child logger carrying both,
 * and logs one line per finished request: at warn when it failed on our side (5xx), else at debug. Successful webhooks are the hot path; a log line each (with redaction) cost
 * about a tenth of the ingress' CPU under load (docs/benchmarks.md). `onFinish` runs in the same 'finish' listener
 * (e.g. the request counter), one listener per request rather than one per concern.
 */
export function requestContext(
  logger: Logger,
  onFinish?: (req: Request, res: Response) => void,
): RequestHandler {
  return (req, res, next) => {
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.locals.requestId = requestId;
    const { span, traceparent } = startRequestSpan(req.method, req.headers.traceparent);
    res.locals.traceparent = traceparent;
    // The child logger is built on first use only: most successful requests never log.
    let child: Logger | undefined;
    Object.defineProperty(res.locals, 'log', {
      configurable: true,
      enumerable: true,
      get: () => (child ??= logger.child({ requestId, traceparent })),
    });
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // Named after the route pattern, not the path: span names must have low cardinality.
      span.updateName(`${req.method} ${req.route?.path ?? 'unmatched'}`);
      span.setAttribute('http.response.status_code', res.statusCode);
      span.end();
      onFinish?.(req, res);
      // A refused request is the caller's problem and comes in floods (3,619 lines from one): debug, counted in
      // identity_relay_ingress_requests_total{status}. Our own failures (5xx) are worth a line at warn.
      const level = res.statusCode >= 500 ? 'warn' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      res.locals.log[level](
        { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 },
        'request',
      );
    });
    next();
  };
}
