import type { Request, Response, Router } from 'express';
import { AuthError, type Authenticator, type Principal } from '../auth/authenticator.js';
import { TooManyAttemptsError, type AuthFailureGuard } from '../http/auth-failures.js';
import { form, sendPage, str, type ConsoleKit } from './kit.js';
import { loginPage } from './pages/login.js';
import type { ConsoleSessions } from './session.js';

export interface SignInDeps {
  sessions: ConsoleSessions;
  authenticate: Authenticator;
  failures: AuthFailureGuard;
  /** The OIDC button's label, when sign-in with the identity provider is configured. */
  oidcLabel?: string;
}

/** The sign-in page (token form, and the IdP button when configured), the token sign-in and sign-out. */
export function registerSignIn(router: Router, kit: ConsoleKit, deps: SignInDeps): void {
  const { sessions, failures } = deps;
  const loginForm = (req: Request, res: Response, status: number, error?: string): void =>
    sendPage(res, status, loginPage(sessions.issueLoginCsrf(req, res), { error, oidcLabel: deps.oidcLabel }));
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
      principal = await deps.authenticate(str(form(req).token).trim());
    } catch (err) {
      if (err instanceof TooManyAttemptsError) {
        res.set('Retry-After', String(err.retryAfterSeconds));
        const wait = `Try again in ${err.retryAfterSeconds} s.`;
        return loginForm(req, res, 429, `Too many failed sign-ins from this address. ${wait}`);
      }
      if (!(err instanceof AuthError)) throw err;
      if (err.status === 401) failures.failed(req);
      const message = err.status === 403 ? 'This token has no ops role.' : 'That token was not accepted.';
      return loginForm(req, res, 401, message);
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
  router.post('/logout', kit.signedIn, kit.checked, async (req, res) => {
    await sessions.signOut(req, res);
    res.redirect(303, '/login');
  });
}
