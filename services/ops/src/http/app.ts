import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Reconciler } from '@identity-relay/reconcile';
import { Counter } from 'prom-client';
import {
  createHealthHandlers,
  trustProxySetting,
  type AuthFailureLimiter,
  type ReadinessCheck,
} from '@identity-relay/runtime';
import { AuthFailureGuard } from './auth-failures.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { OidcSignIn } from '../auth/oidc-sign-in.js';
import type { SessionStore } from '../auth/sessions.js';
import { consoleRouter } from '../console/router.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ErasureService } from '../erasure/erasure.js';
import type { IdentityService } from '../identities/service.js';
import type { OpsService } from '../ops-service.js';
import { apiNotFound, apiRouter } from './api.js';
import { operatorsApiRouter } from './operators-api.js';
import { recipientsApiRouter } from './recipients-api.js';
import type { RecipientsService } from '../recipients/service.js';
import { reconcileRouter } from './reconcile-routes.js';
import { apiErrorHandler } from './errors.js';

export interface OpsAppDeps {
  ops: OpsService;
  identities: IdentityService;
  audit: AuditLog;
  /** Notifications, suppressions and opt-outs (API and console); main always passes it. */
  recipients?: RecipientsService;
  erasure: ErasureService;
  authenticate: Authenticator;
  /** Console sign-in with the identity provider (OIDC code + PKCE); unset = token sign-in only. */
  oidcSignIn?: OidcSignIn;
  /** Console sessions (server-side rows). */
  sessions: SessionStore;
  /**
   * TRUST_PROXY: proxies whose X-Forwarded-Proto/-For are believed (hop count or addresses, Express
   * `trust proxy` syntax); unset trusts none, so only a direct TLS connection makes cookies Secure.
   */
  trustProxy?: string;
  logger: Logger;
  registry: Registry;
  /** METRICS_TOKEN: bearer token `/metrics` requires, as on every other listener; unset = open. */
  metricsToken?: string;
  checks: Record<string, ReadinessCheck>;
  /** Folder of the notifier's .eml files, shown in the console's outbox. */
  mailDir?: string;
  /** Reconciliation runs (`/api/reconcile/*`, console `/reconcile`); absent = those routes answer 404. */
  reconciler?: Reconciler;
  /** Failed authentication per client address (AUTH_FAILURES_PER_MINUTE), API and console sign-in; unset = unlimited. */
  authFailures?: AuthFailureLimiter;
}

/** The ops HTTP app: health endpoints, `/api/*` (bearer tokens) and the console at `/` (session cookie). */
export function createOpsApp(deps: OpsAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxySetting(deps.trustProxy));
  // Dead letters, mail and sessions must not stay in browser or proxy caches.
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  // Refusals are the client's business: one debug line each and a counter, not an info flood.
  const clientErrors = new Counter({
    name: 'identity_relay_ops_client_errors_total',
    help: 'Ops HTTP answers with a 4xx status, by status code',
    labelNames: ['status'],
    registers: [deps.registry],
  });
  app.use((req, res, next) => {
    res.on('finish', () => {
      if (res.statusCode < 400 || res.statusCode >= 500) return;
      clientErrors.inc({ status: String(res.statusCode) });
      deps.logger.debug(
        { method: req.method, path: req.path, status: res.statusCode },
        'ops request refused',
      );
    });
    next();
  });
  const guard = new AuthFailureGuard(deps.authFailures);
  app.use('/api', (req, _res, next) => {
    guard.check(req);
    next();
  });
  const health = createHealthHandlers({
    registry: deps.registry,
    checks: deps.checks,
    metricsToken: deps.metricsToken,
  });
  app.get('/healthz', health.healthz);
  app.get('/readyz', health.readyz);
  app.get('/metrics', health.metrics);
  const onUnexpected = (err: unknown): void => deps.logger.error({ err }, 'unexpected error in ops request');
  app.use(operatorsApiRouter(deps));
  if (deps.recipients)
    app.use(recipientsApiRouter({ recipients: deps.recipients, authenticate: deps.authenticate }));
  if (deps.reconciler) {
    app.use(
      reconcileRouter({ reconciler: deps.reconciler, authenticate: deps.authenticate, logger: deps.logger }),
    );
  }
  app.use(apiRouter({ ops: deps.ops, authenticate: deps.authenticate }));
  app.use('/api', apiNotFound);
  app.use(
    '/api',
    apiErrorHandler(onUnexpected, (req) => guard.failed(req)),
  );
  app.use(
    consoleRouter({
      ops: deps.ops,
      identities: deps.identities,
      audit: deps.audit,
      erasure: deps.erasure,
      authenticate: deps.authenticate,
      oidcSignIn: deps.oidcSignIn,
      sessions: deps.sessions,
      mailDir: deps.mailDir,
      recipients: deps.recipients,
      reconciler: deps.reconciler,
      authFailures: guard,
      onUnexpected,
    }),
  );
  return app;
}
