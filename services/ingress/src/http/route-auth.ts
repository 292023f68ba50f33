import type { RequestHandler } from 'express';
import { HttpError } from '@identity-relay/runtime';
import { credentialsMatch, type CredentialOptions } from './auth.js';
import './locals.js';
import { authenticationFailed, quotaExceeded, type AccessLimits } from './rate-limit.js';
import type { ReplayCache } from './replay-cache.js';
import { SignatureError, signatureHeaders, signingKey, verifyStandardWebhook } from './standard-webhooks.js';

export interface RouteAuthOptions {
  /** The credential's name (`kratos`, `authentik`, `hooks`, `notify`): what its quota is counted under. */
  name: string;
  /** The route's own credential (API key, bearer token, HTTP basic). */
  credentials: CredentialOptions;
  /** `whsec_...` Standard Webhooks secret; when set, a valid signature authenticates a request too. */
  signingSecret?: string;
  /** Ids of accepted signed requests, refused when seen again. Required with `signingSecret`. */
  replay?: ReplayCache;
  /** Failed-authentication limit per address and optional per-credential quota. */
  limits: AccessLimits;
  /** (default=300, seconds) Signature timestamp tolerance. */
  toleranceSeconds?: number;
}

export interface RouteAuth {
  /** Runs before the body is read: refuses at once what carries neither a valid credential nor a signature. */
  gate: RequestHandler;
  /** Runs on the raw body bytes, before JSON parsing: verifies the signature of requests the gate let through. */
  verify: RequestHandler;
}

function unauthorized(code: string, message: string, opts: RouteAuthOptions): HttpError {
  const scheme = opts.signingSecret
    ? 'Standard-Webhooks'
    : opts.credentials.basic
      ? 'Basic realm="identity-relay"'
      : 'ApiKey';
  return new HttpError(401, code, message, { headers: { 'WWW-Authenticate': scheme } });
}

/**
 * Authentication of one route: its credential, or (when a signing secret is configured) a Standard Webhooks
 * signature over the exact raw body. A signed id is reserved before anything is published, so parallel copies
 * of one request are refused (409) while the first is in flight; it is released when the request does not
 * succeed, so a sender retrying after our 503 is not mistaken for a replay.
 */
export function routeAuth(opts: RouteAuthOptions): RouteAuth {
  const key = opts.signingSecret ? signingKey(opts.signingSecret) : undefined;
  if (key && !opts.replay) throw new TypeError('routeAuth: a signing secret needs a replay cache');
  const gate: RequestHandler = (req, res, next) => {
    if (credentialsMatch(req.headers, opts.credentials)) {
      res.locals.authenticatedBy = 'credential';
      return next(quotaExceeded(opts.limits, opts.name));
    }
    if (key && signatureHeaders(req.headers)) return next();
    next(
      authenticationFailed(
        opts.limits,
        req,
        res,
        unauthorized('unauthorized', 'missing or invalid credentials', opts),
      ),
    );
  };
  const verify: RequestHandler = (req, res, next) => {
    if (res.locals.authenticatedBy === 'credential') return next();
    if (!key || !opts.replay)
      return next(unauthorized('unauthorized', 'missing or invalid credentials', opts));
    let id: string;
    try {
      id = verifyStandardWebhook(
        key,
        {
          id: undefined,
          timestamp: undefined,
          signature: undefined,
          ...signatureHeaders(req.headers),
          body: res.locals.rawBody ?? Buffer.alloc(0),
        },
        { toleranceSeconds: opts.toleranceSeconds },
      );
    } catch (err) {
      if (err instanceof SignatureError)
        return next(
          authenticationFailed(
            opts.limits,
            req,
            res,
            unauthorized(err.code, `invalid signature: ${err.message}`, opts),
          ),
        );
      return next(err);
    }
    const quota = quotaExceeded(opts.limits, opts.name);
    if (quota) return next(quota);
    const replay = opts.replay;
    if (!replay.reserve(id)) {
      return next(new HttpError(409, 'replayed', `webhook-id ${JSON.stringify(id)} was already accepted`));
    }
    res.locals.authenticatedBy = 'signature';
    res.locals.webhookId = id;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      if (res.statusCode >= 200 && res.statusCode < 300 && res.writableFinished) replay.confirm(id);
      else replay.release(id);
    };
    res.on('finish', settle);
    res.on('close', settle);
    next();
  };
  return { gate, verify };
}
