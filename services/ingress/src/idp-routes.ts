import { Router } from 'express';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { IngressConfig } from '@identity-relay/runtime';
import type { AccessLimits } from './http/rate-limit.js';
import { ReplayCache } from './http/replay-cache.js';
import { routeAuth } from './http/route-auth.js';
import type { PolicyStore } from './policy/store.js';
import type { ConfirmedPublisher } from './publish.js';
import { authentikRouter } from './routes/authentik.js';
import { hooksRouter } from './routes/hooks.js';
import { kratosRouter } from './routes/kratos.js';
import { kratosValidateRouter } from './routes/kratos-validate.js';

/** The configuration the IdP routes read. */
export type IdpRoutesConfig = Pick<
  IngressConfig,
  | 'kratosApiKey'
  | 'kratosApiKeyHeader'
  | 'kratosBasicUser'
  | 'kratosBasicPassword'
  | 'kratosWebhookSecret'
  | 'authentikWebhookToken'
  | 'authentikWebhookSecret'
  | 'hooksApiKey'
  | 'hooksWebhookSecret'
  | 'publishTimeoutMs'
  | 'bodyLimitBytes'
>;

export interface IdpRoutesDeps {
  config: IdpRoutesConfig;
  logger: Logger;
  registry: Registry;
  publisher: ConfirmedPublisher;
  policy: PolicyStore;
  /** Failed-authentication limit and per-credential quotas, shared with every other ingress route. */
  limits: AccessLimits;
}

/** (bytes) Per-route body caps below BODY_LIMIT_BYTES: hook and Authentik bodies are small documents. */
const HOOKS_BODY_LIMIT = 64 * 1024;
const AUTHENTIK_BODY_LIMIT = 256 * 1024;

/** Every IdP-facing route: Kratos sync and validation, Authentik, and the policy hooks. */
export function idpRoutes(deps: IdpRoutesDeps): Router {
  const { config, logger } = deps;
  const { limits } = deps;
  const replay = new ReplayCache();
  const ignored = new Counter({
    name: 'identity_relay_ingress_authentik_ignored_total',
    help: 'Authentik webhook events answered 2xx without publishing (not a user model change)',
    registers: [deps.registry],
  });
  const basic =
    config.kratosBasicUser && config.kratosBasicPassword
      ? { user: config.kratosBasicUser, password: config.kratosBasicPassword }
      : undefined;
  const kratosAuth = routeAuth({
    name: 'kratos',
    limits,
    credentials: { apiKey: config.kratosApiKey, apiKeyHeader: config.kratosApiKeyHeader, basic },
    signingSecret: config.kratosWebhookSecret,
    replay,
  });
  const publish = { publisher: deps.publisher, publishTimeoutMs: config.publishTimeoutMs, logger };
  const source = 'identity-relay/ingress';

  const router = Router();
  router.use(kratosRouter({ ...publish, auth: kratosAuth, bodyLimitBytes: config.bodyLimitBytes, source }));
  router.use(
    kratosValidateRouter({
      auth: kratosAuth,
      bodyLimitBytes: config.bodyLimitBytes,
      policy: deps.policy,
      logger,
    }),
  );
  router.use(
    authentikRouter({
      ...publish,
      auth: routeAuth({
        name: 'authentik',
        limits,
        credentials: { apiKey: config.authentikWebhookToken, acceptBearer: true },
        signingSecret: config.authentikWebhookSecret,
        replay,
      }),
      bodyLimitBytes: Math.min(config.bodyLimitBytes, AUTHENTIK_BODY_LIMIT),
      source,
      onIgnored: () => ignored.inc(),
    }),
  );
  router.use(
    hooksRouter({
      auth: routeAuth({
        name: 'hooks',
        limits,
        credentials: { apiKey: config.hooksApiKey, acceptBearer: true },
        signingSecret: config.hooksWebhookSecret,
        replay,
      }),
      bodyLimitBytes: Math.min(config.bodyLimitBytes, HOOKS_BODY_LIMIT),
      policy: deps.policy,
      logger,
    }),
  );
  return router;
}
