import express, {
  Router,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { AuthError, type Authenticator, type Principal } from '../auth/authenticator.js';
import type { SessionStore } from '../auth/sessions.js';
import { AuthFailureGuard, TooManyAttemptsError } from '../http/auth-failures.js';
import { httpFailureOf } from '../http/errors.js';
import type { OpsService } from '../ops-service.js';
import { FILTER_KEYS, parseFilter } from '../store/filter.js';
import type { RecipientsService } from '../recipients/service.js';
import { headerBlock, listOutbox, readOutboxMessage } from './outbox.js';
import { recipientsPages } from './recipients.js';
import type { PageContext } from './layout.js';
import * as pages from './pages.js';
import { ConsoleSessions, readCookie, SESSION_COOKIE } from './session.js';
import { PersonalDataView } from '../privacy/views.js';
import { CONSOLE_CSS } from './style.js';
import { registerReconcilePages } from './reconcile-page.js';
import type { Reconciler } from '@identity-relay/reconcile';

export interface ConsoleDeps {
  ops: OpsService;
  authenticate: Authenticator;
  /** Where console sessions live (the cookie holds only a session's random token). */
  sessions: SessionStore;
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

interface Locals {
  principal: Principal;
  ctx: PageContext;
  session: string;
}

const locals = (res: Response): Locals => res.locals as unknown as Locals;
/** Masks personal data unless the signed-in user may see it. */
const view = (res: Response): PersonalDataView => new PersonalDataView(locals(res).principal);

function page(res: Response, status: number, body: string): void {
  res.status(status).type('html').set('Cache-Control', 'no-store').send(body);
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const form = (req: Request): Record<string, unknown> => (req.body ?? {}) as Record<string, unknown>;

function filterFrom(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    FILTER_KEYS.map((k) => [k, input[k]]).filter(([, v]) => v !== undefined && v !== ''),
  );
}

/** The web console at `/`: server-rendered pages over the same OpsService as the API. */
export function consoleRouter(deps: ConsoleDeps): Router {
  const { ops, authenticate } = deps;
  const sessions = new ConsoleSessions(deps.sessions);
  const failures = deps.authFailures ?? new AuthFailureGuard();
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: '16kb' }));
  // Pages and answers of the console must not be framed or sniffed.
  router.use((_req, res, next) => {
    res.set({
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'",
      'X-Content-Type-Options': 'nosniff',
    });
    next();
  });
  // Every console POST is a form: anything else (no body, JSON) is a client mistake, not a 500.
  router.use((req, res, next) => {
    if (req.method !== 'POST' || req.is('application/x-www-form-urlencoded')) return next();
    page(res, 400, pages.errorPage({}, 400, 'Send the form (application/x-www-form-urlencoded).'));
  });

  router.get(
    '/console.css',
    (_req, res) => void res.type('css').set('Cache-Control', 'max-age=300').send(CONSOLE_CSS),
  );
  const loginForm = (req: Request, res: Response, status: number, error?: string): void =>
    page(res, status, pages.loginPage(sessions.issueLoginCsrf(req, res), error));
  router.get('/login', (req, res) => loginForm(req, res, 200));
  router.post('/login', async (req, res) => {
    if (!sessions.checkLoginCsrf(req, form(req)._csrf))
      return loginForm(
        req,
        res,
        403,
        'The sign-in form expired or did not come from this console. Try again.',
      );
    let principal: Principal;
    try {
      failures.check(req);
      principal = await authenticate(str(form(req).token).trim());
    } catch (err) {
      if (err instanceof TooManyAttemptsError) {
        res.set('Retry-After', String(err.retryAfterSeconds));
        const wait = `Try again in ${err.retryAfterSeconds} s.`;
        return loginForm(req, res, 429, `Too many failed sign-ins from this address. ${wait}`);
      }
      if (!(err instanceof AuthError)) throw err;
      if (err.status === 401) failures.failed(req);
      return loginForm(
        req,
        res,
        401,
        err.status === 403 ? 'This token has no ops role.' : 'That token was not accepted.',
      );
    }
    sessions.clearLoginCsrf(req, res);
    await sessions.signIn(req, res, {
      subject: principal.subject,
      name: principal.name,
      roles: principal.grants,
      expiresAt: principal.expiresAt,
      credential: principal.credential,
    });
    res.redirect(303, '/');
  });

  const signedIn: RequestHandler = async (req, res, next) => {
    const current = await sessions.current(req);
    if (!current) {
      if (readCookie(req, SESSION_COOKIE) !== undefined) sessions.clear(req, res);
      return res.redirect(303, '/login');
    }
    res.locals.principal = current.principal;
    res.locals.session = current.token;
    res.locals.ctx = {
      principal: current.principal,
      csrf: sessions.csrfToken(current.token),
    } satisfies PageContext;
    next();
  };
  const checked: RequestHandler = (req, res, next) => {
    if (!sessions.checkCsrf(locals(res).session, form(req)._csrf)) {
      return page(
        res,
        403,
        pages.errorPage(
          locals(res).ctx,
          403,
          'The form expired or did not come from this console. Go back, reload and try again.',
        ),
      );
    }
    next();
  };
  const operator: RequestHandler = (_req, res, next) => {
    if (locals(res).principal.role !== 'operator')
      return page(
        res,
        403,
        pages.errorPage(locals(res).ctx, 403, 'Replay and discard need the operator role.'),
      );
    next();
  };

  router.post('/logout', signedIn, checked, async (req, res) => {
    await sessions.signOut(req, res);
    res.redirect(303, '/login');
  });
  router.get('/', signedIn, async (_req, res) => {
    const [stats, groups] = await Promise.all([ops.stats(), ops.groups({})]);
    page(res, 200, pages.overviewPage(locals(res).ctx, stats, view(res).groups(groups.items)));
  });
  router.get('/dead-letters', signedIn, async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const result = await ops.list(query);
    page(res, 200, pages.listPage(locals(res).ctx, parseFilter(filterFrom(query)), view(res).page(result)));
  });
  router.get('/dead-letters/bulk', signedIn, operator, async (req, res) => {
    const action = req.query.action === 'discard' ? 'discard' : 'replay';
    const dry = await ops.bulk(
      action,
      { filter: filterFrom(req.query as Record<string, unknown>), dryRun: true },
      locals(res).principal.actor,
    );
    page(res, 200, pages.bulkConfirmPage(locals(res).ctx, action, view(res).bulk(dry)));
  });
  router.post('/dead-letters/bulk', signedIn, checked, operator, async (req, res) => {
    const body = form(req);
    const action = body.action === 'discard' ? 'discard' : 'replay';
    const result = await ops.bulk(
      action,
      { filter: filterFrom(body), dryRun: false },
      locals(res).principal.actor,
    );
    page(res, 200, pages.bulkDonePage(locals(res).ctx, result));
  });
  router.get('/dead-letters/:id', signedIn, async (req, res) => {
    const done = str(req.query.done);
    const notice =
      done === 'replayed'
        ? 'Replayed: the message was republished and the broker confirmed it.'
        : done === 'discarded'
          ? 'Discarded.'
          : undefined;
    const detail = view(res).detail(await ops.get(String(req.params.id)));
    page(res, 200, pages.detailPage(locals(res).ctx, detail, notice));
  });
  router.get('/dead-letters/:id/confirm', signedIn, operator, async (req, res) => {
    const action = req.query.action === 'discard' ? 'discard' : 'replay';
    const detail = view(res).detail(await ops.get(String(req.params.id)));
    page(res, 200, pages.confirmPage(locals(res).ctx, detail, action));
  });
  router.post('/dead-letters/:id/replay', signedIn, checked, operator, async (req, res) => {
    const id = String(req.params.id);
    await ops.replay(id, locals(res).principal.actor, {
      force: form(req).force === 'true',
    });
    res.redirect(303, `/dead-letters/${id}?done=replayed`);
  });
  router.post('/dead-letters/:id/discard', signedIn, checked, operator, async (req, res) => {
    const id = String(req.params.id);
    await ops.discard(id, locals(res).principal.actor);
    res.redirect(303, `/dead-letters/${id}?done=discarded`);
  });
  router.get('/outbox', signedIn, async (req, res) => {
    const dir = deps.mailDir ?? '';
    const empty = { entries: [], total: 0, page: 1, pages: 1 };
    const outbox = dir ? await listOutbox(dir, Number(str(req.query.page)) || 1) : empty;
    const shown = view(res).masked
      ? { ...outbox, entries: outbox.entries.map((e) => ({ ...e, to: view(res).text(e.to) })) }
      : outbox;
    page(res, 200, pages.outboxPage(locals(res).ctx, dir || '(MAIL_DIR unset)', shown));
  });
  router.get('/outbox/:name', signedIn, async (req, res) => {
    const name = String(req.params.name);
    const message = deps.mailDir ? await readOutboxMessage(deps.mailDir, name) : undefined;
    if (message === undefined)
      return page(res, 404, pages.errorPage(locals(res).ctx, 404, 'No such message in the outbox.'));
    if (!view(res).masked) return page(res, 200, pages.outboxMessagePage(locals(res).ctx, name, message));
    const headers = { ...message, source: view(res).text(headerBlock(message.source)) };
    page(res, 200, pages.outboxMessagePage(locals(res).ctx, name, headers, true));
  });
  if (deps.reconciler) {
    registerReconcilePages(router, {
      reconciler: deps.reconciler,
      signedIn,
      page,
      ctx: (res) => locals(res).ctx,
      notFound: (res, message) => page(res, 404, pages.errorPage(locals(res).ctx, 404, message)),
    });
  }

  if (deps.recipients)
    recipientsPages(router, {
      recipients: deps.recipients,
      signedIn,
      checked,
      operator,
      page,
      ctx: (res) => locals(res).ctx,
    });

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const failure = httpFailureOf(err);
    if (!failure) deps.onUnexpected(err);
    const ctx = (res.locals as unknown as Partial<Locals>).ctx ?? {};
    page(
      res,
      failure?.status ?? 500,
      pages.errorPage(
        ctx,
        failure?.status ?? 500,
        failure?.message ?? 'Something went wrong; the error was logged.',
      ),
    );
  });
  return router;
}
