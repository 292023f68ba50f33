import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Reconciler } from '@identity-relay/reconcile';
import type { AuditLog } from '../audit/audit-log.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { OidcSignIn } from '../auth/oidc-sign-in.js';
import type { SessionStore } from '../auth/sessions.js';
import type { ErasureService } from '../erasure/erasure.js';
import { AuthFailureGuard } from '../http/auth-failures.js';
import { asHttpError } from '@identity-relay/runtime';
import type { IdentityService } from '../identities/service.js';
import type { OpsService } from '../ops-service.js';
import type { RecipientsService } from '../recipients/service.js';
import { registerAuditPage } from './audit-routes.js';
import { registerDeadLetterPages } from './dead-letters-routes.js';
import { registerIdentityPages } from './identities-routes.js';
import { createConsoleKit, sendPage } from './kit.js';
import { registerOutboxPages } from './outbox-routes.js';
import { errorPage } from './pages/error.js';
import { recipientsPages } from './recipients.js';
import { registerReconcilePages } from './reconcile-page.js';
import { ConsoleSessions } from './session.js';
import { registerSignIn } from './sign-in.js';
import { CONSOLE_CSS } from './style.js';

export interface ConsoleDeps {
  ops: OpsService;
  identities: IdentityService;
  audit: AuditLog;
  erasure: ErasureService;
  authenticate: Authenticator;
  /** Where console sessions live (the cookie holds only a session's random token). */
  sessions: SessionStore;
  /** Sign-in with the identity provider (OIDC authorization code + PKCE), beside the token form. */
  oidcSignIn?: OidcSignIn;
  /** Failed sign-ins per client address. */
  authFailures?: AuthFailureGuard;
  /** Folder of the notifier's .eml files; the outbox view lists it. */
  mailDir?: string;
  /** Notifications, suppressions and opt-outs pages (console/recipients.ts). */
  recipients?: RecipientsService;
  /** Reconciliation runs, shown at `/reconcile` when present. */
  reconciler?: Reconciler;
  onUnexpected: (err: unknown) => void;
}

const SECURITY_HEADERS = {
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
};

/** The web console at `/`: server-rendered pages over the same services as the API, one area per file. */
export function consoleRouter(deps: ConsoleDeps): Router {
  const sessions = new ConsoleSessions(deps.sessions);
  const kit = createConsoleKit(sessions);
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: '64kb' }));
  // Pages and answers of the console must not be framed or sniffed.
  router.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  // Every console POST is a form: anything else (no body, JSON) is a client mistake, not a 500.
  router.use((req, res, next) => {
    if (req.method !== 'POST' || req.is('application/x-www-form-urlencoded')) return next();
    sendPage(res, 400, errorPage({}, 400, 'Send the form (application/x-www-form-urlencoded).'));
  });
  router.get('/console.css', (_req, res) => {
    res.type('css').set('Cache-Control', 'max-age=300').send(CONSOLE_CSS);
  });
  registerSignIn(router, kit, {
    sessions,
    authenticate: deps.authenticate,
    failures: deps.authFailures ?? new AuthFailureGuard(),
    oidc: deps.oidcSignIn,
  });
  registerDeadLetterPages(router, kit, deps.ops);
  registerIdentityPages(router, kit, deps);
  registerAuditPage(router, kit, deps.audit);
  registerOutboxPages(router, kit, deps.mailDir);
  if (deps.reconciler) registerReconcilePages(router, kit, deps.reconciler);
  if (deps.recipients) recipientsPages(router, kit, deps.recipients);
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const failure = asHttpError(err);
    if (!failure) deps.onUnexpected(err);
    const status = failure?.status ?? 500;
    sendPage(
      res,
      status,
      errorPage(kit.ctx(res), status, failure?.message ?? 'Something went wrong; the error was logged.'),
    );
  });
  return router;
}
