import type { RequestHandler } from 'express';
import { credentialsMatch, type CredentialOptions } from './auth.js';
import { HttpError } from './errors.js';
import './locals.js';
import type { ReplayCache } from './replay-cache.js';
import { SignatureError, signingKey, verifyStandardWebhook } from './standard-webhooks.js';

export interface RouteAuthOptions {
  /** The route's own credential (API key, bearer token, HTTP basic). */
  credentials: CredentialOptions;
  /** `whsec_...` Standard Webhooks secret; when set, a valid signature authenticates a request too. */
  signingSecret?: string;
  /** Ids of accepted signed requests, refused when seen again. */
  replay: ReplayCache;
  /** (default=300, seconds) Signature timestamp tolerance. */
  toleranceSeconds?: number;
}

export interface RouteAuth {
  /** Runs before the body is read: refuses at once what carries neither a valid credential nor a signature. */
  gate: RequestHandler;
  /** Runs on the raw body bytes, before JSON parsing: verifies the signature of requests the gate let through. */
  verify: RequestHandler;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function unauthorized(code: string, message: string, signed: boolean): HttpError {
  return new HttpError(401, code, message, undefined, {
    'WWW-Authenticate': signed ? 'Standard-Webhooks' : 'ApiKey',
  });
}

/**
 * Authentication of one route: its credential, or (when a signing secret is configured) a Standard Webhooks
 * signature over the exact raw body. A signed id is remembered only once the request succeeded (2xx), so a
 * sender retrying after our 503 is not mistaken for a replay.
 */
export function routeAuth(opts: RouteAuthOptions): RouteAuth {
  const key = opts.signingSecret ? signingKey(opts.signingSecret) : undefined;
  const gate: RequestHandler = (req, res, next) => {
    if (credentialsMatch(req.headers, opts.credentials)) {
      res.locals.authenticatedBy = 'credential';
      return next();
    }
    if (key && req.headers['webhook-signature'] !== undefined) return next();
    next(unauthorized('unauthorized', 'missing or invalid credentials', key !== undefined));
  };
  const verify: RequestHandler = (req, res, next) => {
    if (res.locals.authenticatedBy === 'credential') return next();
    if (!key) return next(unauthorized('unauthorized', 'missing or invalid credentials', false));
    let id: string;
    try {
      id = verifyStandardWebhook(
        key,
        {
          id: header(req.headers['webhook-id']),
          timestamp: header(req.headers['webhook-timestamp']),
          signature: header(req.headers['webhook-signature']),
          body: res.locals.rawBody ?? Buffer.alloc(0),
        },
        { toleranceSeconds: opts.toleranceSeconds },
      );
    } catch (err) {
      if (err instanceof SignatureError)
        return next(unauthorized(err.code, `invalid signature: ${err.message}`, true));
      return next(err);
    }
    if (opts.replay.has(id)) {
      return next(new HttpError(409, 'replayed', `webhook-id ${JSON.stringify(id)} was already accepted`));
    }
    res.locals.authenticatedBy = 'signature';
    res.locals.webhookId = id;
    res.on('finish', () => {
      if (res.statusCode >= 200 && res.statusCode < 300) opts.replay.remember(id);
    });
    next();
  };
  return { gate, verify };
}
