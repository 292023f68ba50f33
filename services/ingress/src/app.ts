import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { createHealthHandlers } from '@identity-relay/runtime';
import type { Config } from '@identity-relay/runtime';
import { errorHandler, HttpError, sendError } from './http/errors.js';
import type { ConfirmedPublisher } from './publish.js';
import { kratosRouter } from './routes/kratos.js';
import { notificationsRouter } from './routes/notifications.js';

export interface IngressDeps {
  config: Pick<
    Config,
    | 'kratosApiKey'
    | 'kratosApiKeyHeader'
    | 'kratosBasicUser'
    | 'kratosBasicPassword'
    | 'publishTimeoutMs'
    | 'bodyLimitBytes'
    | 'notifyApiKey'
  >;
  logger: Logger;
  registry: Registry;
  publisher: ConfirmedPublisher;
  /** Readiness: the broker connection is up. */
  isBrokerConnected: () => boolean;
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

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use((req, res, next) => {
    res.on('finish', () =>
      requests.inc({ route: req.route?.path ?? 'unmatched', status: String(res.statusCode) }),
    );
    next();
  });

  const health = createHealthHandlers({ registry, checks: { broker: deps.isBrokerConnected } });
  app.get('/healthz', health.healthz);
  app.get('/readyz', health.readyz);
  app.get('/metrics', health.metrics);

  const basic =
    config.kratosBasicUser && config.kratosBasicPassword
      ? { user: config.kratosBasicUser, password: config.kratosBasicPassword }
      : undefined;
  app.use(
    kratosRouter({
      publisher: deps.publisher,
      publishTimeoutMs: config.publishTimeoutMs,
      logger,
      bodyLimitBytes: config.bodyLimitBytes,
      source: 'identity-relay/ingress',
      credentials: { apiKey: config.kratosApiKey, apiKeyHeader: config.kratosApiKeyHeader, basic },
    }),
  );

  app.use(
    notificationsRouter({
      publisher: deps.publisher,
      publishTimeoutMs: config.publishTimeoutMs,
      logger,
      bodyLimitBytes: config.bodyLimitBytes,
      source: 'identity-relay/ingress',
      apiKey: config.notifyApiKey,
    }),
  );

  app.use((req, res) =>
    sendError(res, new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`)),
  );
  app.use(errorHandler((err) => logger.error({ err }, 'unexpected error in request')));
  return app;
}
