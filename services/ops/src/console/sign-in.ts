import type { Request, Response, Router } from 'express';
import { AuthError, type Authenticator, type Principal } from '../auth/authenticator.js';
import {
  OidcSignInError,
  OidcUnavailableError,
  type OidcSignIn,
  type PendingSignIn,
} from '../auth/oidc-sign-in.js';
import { TooManyAttemptsError, type AuthFailureGuard } from '../http/auth-failures.js';
import { form, sendPage, str, type ConsoleKit } from './kit.js';
import { loginPage, signedInPage } from './pages/login.js';
import type { ConsoleSessions } from './session.js';

export interface SignInDeps {
  sessions: ConsoleSessions;
  authenticate: Authenticator;
  failures: AuthFailureGuard;
  /** Sign-in with the identity provider (OIDC code + PKCE), when configured. */
  oidc?: OidcSignIn;
}

function pendingOf(flow: Record<string, unknown> | undefined): PendingSignIn | undefined {
  const { state, nonce, verifier } = flow ?? {};
  return typeof state === 'string' && typeof nonce === 'string' && typeof verifier === 'string'
    ? { state, nonce, verifier }
    : undefined;
}

/** The sign-in page (token form, and the IdP button when configured), the token sign-in and sign-out. */
export function registerSignIn(router: Router, kit: ConsoleKit, deps: SignInDeps): void {
  const { sessions, failures, oidc } = deps;
  const oidcLabel = oidc ? `Sign in with ${oidc.issuerHost}` : undefined;
  const loginForm = (req: Request, res: Response, status: number, error?: string): void =>
    sendPage(res, status, loginPage(sessions.issueLoginCsrf(req, res), { error, oidcLabel }));
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
  if (oidc) registerOidcSignIn(router, oidc, sessions, loginForm);
  router.post('/logout', kit.signedIn, kit.checked, async (req, res) => {
    await sessions.signOut(req, res);
    res.redirect(303, '/login');
  });
}

/** `/login/oidc` sends the browser to the IdP; `/login/oidc/callback` (OIDC_REDIRECT_URL) signs it in. */
function registerOidcSignIn(
  router: Router,
  oidc: OidcSignIn,
  sessions: ConsoleSessions,
  loginForm: (req: Request, res: Response, status: number, error?: string) => void,
): void {
  const unavailable = (req: Request, res: Response, err: OidcUnavailableError) => {
    if (err.retryAfterSeconds > 0) res.set('Retry-After', String(err.retryAfterSeconds));
    return loginForm(
      req,
      res,
      503,
      'The identity provider cannot be reached right now. Try again, or sign in with a token.',
    );
  };
  router.get('/login/oidc', async (req, res) => {
    try {
      const { url, pending } = await oidc.start();
      sessions.rememberOidcFlow(req, res, pending);
      res.redirect(303, url.href);
    } catch (err) {
      if (err instanceof OidcUnavailableError) return unavailable(req, res, err);
      throw err;
    }
  });
  router.get('/login/oidc/callback', async (req, res) => {
    const pending = pendingOf(sessions.oidcFlow(req));
    // One answer per flow: whatever happens, this state cannot be used again.
    sessions.clearOidcFlow(req, res);
    const query = new URL(req.originalUrl, 'http://console.invalid').searchParams;
    let identity;
    try {
      identity = await oidc.finish(query, pending);
    } catch (err) {
      if (err instanceof OidcUnavailableError) return unavailable(req, res, err);
      if (!(err instanceof OidcSignInError)) throw err;
      const why =
        err.code === 'no_role'
          ? `Signed in at the identity provider, but ${err.message}. Ask an administrator for access.`
          : `Sign-in refused: ${err.message}.`;
      return loginForm(req, res, err.status, why);
    }
    await sessions.signIn(req, res, {
      subject: identity.subject,
      name: identity.name,
      roles: identity.grants,
    });
    // A 200 page that moves on by itself, not a redirect: the browser arrived from the IdP's site, and a
    // SameSite=Strict session cookie only accompanies a navigation this console's own page starts.
    sendPage(res, 200, signedInPage(identity.name ?? identity.subject));
  });
}
