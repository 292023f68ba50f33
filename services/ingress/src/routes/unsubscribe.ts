import express, { Router, type Request, type Response } from 'express';
import { asHttpError, HttpError } from '@identity-relay/runtime';
import {
  messageRoutes,
  MessageType,
  newCloudEvent,
  verifyUnsubscribeToken,
  type UnsubscribeRequestedData,
  type UnsubscribeTarget,
} from '@identity-relay/contracts';
import { clientAddress, type AccessLimits } from '../http/rate-limit.js';
import { publishEvent, type PublishDeps } from '../publish.js';
import { expressPath, ROUTES } from '../route-table.js';
import { confirmationPage, donePage, errorPage } from './unsubscribe-pages.js';

/** (bytes) A one-click body is `List-Unsubscribe=One-Click`; nothing larger is needed. */
const BODY_LIMIT = 4096;

export interface UnsubscribeRouteDeps extends PublishDeps {
  /** UNSUBSCRIBE_SECRET: comma-separated keys, any of which may have signed a token. */
  secret: string;
  source: string;
  /**
   * The ingress's limits: an invalid token is a failed authentication of the client address
   * (AUTH_FAILURES_PER_MINUTE); past it, that address's invalid tokens get 429, so guessing tokens is slow on top
   * of infeasible. A valid token costs nothing and still passes (as valid credentials do on the other routes).
   */
  limits: AccessLimits;
}

/**
 * The public unsubscribe links (RFC 8058): the one ingress route without an API key, because the signed token
 * in the path is the credential. GET shows a page with a button and changes nothing; POST publishes
 * UnsubscribeRequested (applied by the subscribers worker) and answers 200 once the broker confirmed.
 */
export function unsubscribeRouter(deps: UnsubscribeRouteDeps): Router {
  const router = Router();
  const path = expressPath(ROUTES.unsubscribe);
  const { failures } = deps.limits;

  function verified(req: Request): UnsubscribeTarget {
    const check = verifyUnsubscribeToken(deps.secret, String(req.params.token));
    if (check.ok) return { list: check.list, email: check.email };
    const wait = failures.fail(clientAddress(req));
    if (wait > 0) {
      deps.limits.onRefused?.('auth_failures');
      throw tooMany(wait);
    }
    deps.limits.onRefused?.('unauthenticated');
    throw check.reason === 'malformed'
      ? new HttpError(400, 'malformed_token', 'this is not an unsubscribe link')
      : new HttpError(404, 'unknown_token', 'this unsubscribe link is not valid (it may have been changed)');
  }

  router.get(path, pageSecurity, (req, res) => {
    const target = verified(req);
    res.status(200).type('html').send(confirmationPage(target));
  });

  router.post(path, pageSecurity, express.raw({ type: () => true, limit: BODY_LIMIT }), async (req, res) => {
    const target = verified(req);
    // RFC 8058 clients post `List-Unsubscribe=One-Click`; the confirmation page's button adds `via=page`.
    const body = Buffer.isBuffer(req.body) ? req.body.toString('latin1') : '';
    const data: UnsubscribeRequestedData = {
      ...target,
      method: /(^|&)via=page(&|$)/.test(body) ? 'page' : 'one-click',
    };
    const event = newCloudEvent({
      type: MessageType.UnsubscribeRequested,
      source: deps.source,
      subject: data.list,
      data,
      traceparent: res.locals.traceparent,
    });
    await publishEvent(deps, event, {
      exchange: messageRoutes.UnsubscribeRequested.exchange,
      routingKey: messageRoutes.UnsubscribeRequested.routingKey(data),
    });
    deps.logger.info({ list: data.list, method: data.method, messageId: event.id }, 'unsubscribe published');
    res.status(200).type('html').send(donePage(target));
  });

  // Errors of these routes are pages for people, not JSON.
  router.use(path, ((err, _req, res, next) => {
    const known = asHttpError(err);
    if (!known || res.headersSent) return next(err);
    if (known.headers) res.set(known.headers);
    res.status(known.status).type('html').send(errorPage(known.status, known.message));
  }) as express.ErrorRequestHandler);
  return router;
}

function tooMany(wait: number): HttpError {
  return new HttpError(429, 'rate_limited', `too many invalid links; retry in ${wait} s`, {
    headers: { 'Retry-After': String(wait) },
  });
}

/** The token is in the URL: it must not leak through Referer, caches or a framing page. */
function pageSecurity(_req: Request, res: Response, next: () => void): void {
  res.set({
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  });
  next();
}
