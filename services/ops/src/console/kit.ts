import type { Request, RequestHandler, Response } from 'express';
import type { Principal } from '../auth/authenticator.js';
import { seesPersonalData } from '../auth/roles.js';
import { PersonalDataView } from '../privacy/views.js';
import type { PageContext } from './layout.js';
import { errorPage } from './pages/error.js';
import { readCookie, SESSION_COOKIE, type ConsoleSessions } from './session.js';

/**
 * What every console area registers its routes with: the guards, the page sender and the signed-in
 * visitor's context. One set for all areas, so every page is guarded and answered the same way.
 */
export interface ConsoleKit {
  /** A live session, or a redirect to the sign-in page. */
  signedIn: RequestHandler;
  /** The form's CSRF token belongs to the session. */
  checked: RequestHandler;
  /** The operator role (replay, discard, erase…). */
  operator: RequestHandler;
  /** Operators, or readers with the pii grant: identities and recipients are personal data. */
  personal: RequestHandler;
  page(res: Response, status: number, body: string): void;
  /** An error page with the visitor's navigation. */
  fail(res: Response, status: number, message: string): void;
  ctx(res: Response): PageContext;
  principal(res: Response): Principal;
  /** Masks personal data unless the signed-in user may see it. */
  view(res: Response): PersonalDataView;
}

interface Locals {
  principal: Principal;
  ctx: PageContext;
  session: string;
}

const locals = (res: Response): Partial<Locals> => res.locals as Partial<Locals>;

/** A string field of a query or form; '' when absent or not a string. */
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
/** The parsed urlencoded form of a POST. */
export const form = (req: Request): Record<string, unknown> => (req.body ?? {}) as Record<string, unknown>;

export function sendPage(res: Response, status: number, body: string): void {
  res.status(status).type('html').set('Cache-Control', 'no-store').send(body);
}

export function createConsoleKit(sessions: ConsoleSessions): ConsoleKit {
  const ctx = (res: Response): PageContext => locals(res).ctx ?? {};
  const principal = (res: Response): Principal => locals(res).principal!;
  const fail = (res: Response, status: number, message: string): void =>
    sendPage(res, status, errorPage(ctx(res), status, message));
  return {
    page: sendPage,
    fail,
    ctx,
    principal,
    view: (res) => new PersonalDataView(principal(res)),
    signedIn: async (req, res, next) => {
      const current = await sessions.current(req);
      if (!current) {
        if (readCookie(req, SESSION_COOKIE) !== undefined) sessions.clear(req, res);
        return res.redirect(303, '/login');
      }
      const l: Locals = {
        principal: current.principal,
        session: current.token,
        ctx: { principal: current.principal, csrf: sessions.csrfToken(current.token) },
      };
      Object.assign(res.locals, l);
      next();
    },
    checked: (req, res, next) => {
      if (sessions.checkCsrf(locals(res).session ?? '', form(req)._csrf)) return next();
      fail(res, 403, 'The form expired or did not come from this console. Go back, reload and try again.');
    },
    operator: (_req, res, next) => {
      if (principal(res).role === 'operator') return next();
      fail(res, 403, 'This action needs the operator role.');
    },
    personal: (_req, res, next) => {
      if (seesPersonalData(principal(res).grants)) return next();
      fail(res, 403, 'This is personal data: the operator role or the pii grant is required.');
    },
  };
}
