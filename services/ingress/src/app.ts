import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import {
  AuthFailureLimiter,
  createHealthHandlers,
  HttpError,
  httpErrorHandler,
  sendHttpError,
  TokenBucketLimiter,
  trustProxySetting,
} from '@identity-relay/runtime';
import type { IngressConfig } from '@identity-relay/runtime';
import type { AccessLimits } from './http/rate-limit.js';
import { requestContext } from './http/request-id.js';
import { idpRoutes, type IdpRoutesConfig } from './idp-routes.js';
import { buildOpenApiDocument } from './openapi/document.js';
import { ALLOW_ALL, staticPolicyStore, type PolicyStore } from './policy/store.js';
import type { ConfirmedPublisher } from './publish.js';
import { ROUTES } from './route-table.js';
import { notificationsRouter } from './routes/notifications.js';
import { unsubscribeRouter } from './routes/unsubscribe.js';

export interface IngressDeps {
  config: IdpRoutesConfig &
    Pick<
      IngressConfig,
      | 'publishTimeoutMs'
      | 'bodyLimitBytes'
      | 'notifyApiKey'
      | 'trustProxy'
      | 'authFailuresPerMinute'
      | 'rateLimitPerSecond'
      | 'rateLimitBurst'
      | 'metricsToken'
      | 'unsubscribeSecret'
    >;
  logger: Logger;
  registry: Registry;
  publisher: ConfirmedPublisher;
  /** Readiness: the broker connection is up. */
  isBrokerConnected: () => boolean;
  /** (default=allow all) The signup/login policy, reloadable on SIGHUP. */
  policy?: PolicyStore;
}

/** Builds the ingress Express app. Thin: authenticate, validate, publish with confirm, answer. */
export function createIngress(deps: IngressDeps): Express {
  const { config, logger, registry } = deps;
  const requests = new Counter({
    name: 'identity_relay_ingress_requests_total',
    help: 'Webhook requests by route and status code',
    labelNames: ['route', 'status'],
    registers: [registry],
  });

  const refused = new Counter({
    name: 'identity_relay_ingress_refused_total',
    help: 'Requests refused before their body was read, by reason (unauthenticated, auth_failures, quota)',
    labelNames: ['reason'],
    registers: [registry],
  });
  const limits = accessLimits(config, (reason) => refused.inc({ reason }));

  const app = express();
  app.disable('x-powered-by');
  // No ETag: webhook answers are never cached or revalidated, and with one Express turns each small JSON answer
  // into a Buffer (a SHA-1 of it, then headers and body as two chunks in one writev) instead of writing the
  // headers and body as one string.
  app.set('etag', false);
  // req.ip: the TCP peer, or the client X-Forwarded-For names through the TRUST_PROXY proxies.
  app.set('trust proxy', trustProxySetting(config.trustProxy));
  app.use(
    requestContext(logger, (req, res) =>
      requests.inc({ route: req.route?.path ?? 'unmatched', status: String(res.statusCode) }),
    ),
  );

  const health = createHealthHandlers({
    registry,
    checks: { broker: deps.isBrokerConnected },
    metricsToken: config.metricsToken,
  });
  app.get(ROUTES.healthz.path, health.healthz);
  app.get(ROUTES.readyz.path, health.readyz);
  app.get(ROUTES.metrics.path, health.metrics);
  const openApi = buildOpenApiDocument({ kratosApiKeyHeader: config.kratosApiKeyHeader });
  app.get(ROUTES.openapi.path, (_req, res) => void res.json(openApi));

  app.use(idpRoutes({ ...deps, limits, policy: deps.policy ?? staticPolicyStore(ALLOW_ALL) }));
  app.use(
    notificationsRouter({
      publisher: deps.publisher,
      publishTimeoutMs: config.publishTimeoutMs,
      logger,
      bodyLimitBytes: config.bodyLimitBytes,
      source: 'identity-relay/ingress',
      apiKey: config.notifyApiKey,
      limits,
    }),
  );

  // Public: the signed token in the path is the credential; invalid tokens count as failed authentication.
  app.use(
    unsubscribeRouter({
      publisher: deps.publisher,
      publishTimeoutMs: config.publishTimeoutMs,
      logger,
      secret: config.unsubscribeSecret,
      source: 'identity-relay/ingress',
      limits,
    }),
  );

  app.use((req, res) =>
    sendHttpError(res, new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`)),
  );
  app.use(httpErrorHandler({ onUnexpected: (err) => logger.error({ err }, 'unexpected error in request') }));
  return app;
}

/** The ingress' limits from its configuration (see http/rate-limit.ts for the rules). */
export function accessLimits(
  config: Pick<IngressConfig, 'authFailuresPerMinute' | 'rateLimitPerSecond' | 'rateLimitBurst'>,
  onRefused?: AccessLimits['onRefused'],
): AccessLimits {
  const rate = config.rateLimitPerSecond;
  return {
    failures: new AuthFailureLimiter({ perMinute: config.authFailuresPerMinute }),
    quota:
      rate === undefined
        ? undefined
        : new TokenBucketLimiter({ ratePerSecond: rate, burst: config.rateLimitBurst ?? rate }),
    onRefused,
  };
}
