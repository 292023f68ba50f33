import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseCookie } from 'cookie';
import type { CookieOptions, Request, Response } from 'express';
import type { Principal } from '../auth/authenticator.js';
import { principalOfSession, type Session, type SessionGrant, type SessionStore } from '../auth/sessions.js';

export const SESSION_COOKIE = 'ir_ops_session';
/** Double-submit token of the sign-in form (there is no session yet to bind it to). */
export const LOGIN_COOKIE = 'ir_ops_login';
const LOGIN_FORM_SECONDS = 30 * 60;
/** A sign-in at the identity provider in progress (state, nonce, PKCE verifier), sent only to the OIDC paths. */
export const OIDC_FLOW_COOKIE = 'ir_ops_oidc';
const OIDC_FLOW_PATH = '/login/oidc';
const OIDC_FLOW_SECONDS = 10 * 60;
const OIDC_FLOW_SCOPE = { path: OIDC_FLOW_PATH, sameSite: 'lax' } as const;

/** A cookie of the request (percent-decoded when it decodes); undefined when absent. */
export function readCookie(req: Request, name: string): string | undefined {
  return parseCookie(req.get('cookie') ?? '')[name];
}

function sameText(a: string, b: unknown): boolean {
  if (typeof b !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * HttpOnly keeps scripts away from the cookie, SameSite=Strict keeps other sites from sending it,
 * Secure whenever the request came over https: directly, or through a proxy trusted with
 * TRUST_PROXY that said so in X-Forwarded-Proto (Express's `req.secure`).
 */
function cookieOptions(
  req: Request,
  maxAgeMs?: number,
  scope: { path: string; sameSite: 'strict' | 'lax' } = { path: '/', sameSite: 'strict' },
): CookieOptions {
  return {
    ...scope,
    httpOnly: true,
    secure: req.secure,
    ...(maxAgeMs === undefined ? {} : { maxAge: maxAgeMs }),
  };
}

/** A signed-in console visitor: who they are and the token of their session. */
export interface CurrentSession {
  token: string;
  session: Session;
  principal: Principal;
}

/**
 * Console sign-in over the server-side SessionStore: the cookie holds only the session's random
 * token, never a credential. Any sign-in method (ops token, OIDC access token, OIDC login) ends in
 * `signIn` with the subject and grants it established.
 */
export class ConsoleSessions {
  constructor(readonly store: SessionStore) {}

  /** Creates a session for `grant` and sets its cookie; the cookie lives as long as the session. */
  async signIn(req: Request, res: Response, grant: SessionGrant): Promise<Session> {
    const { token, session } = await this.store.create(grant);
    res.cookie(SESSION_COOKIE, token, cookieOptions(req, session.expiresAt.getTime() - Date.now()));
    return session;
  }

  /** The live session of the request's cookie, or null. */
  async current(req: Request): Promise<CurrentSession | null> {
    const token = readCookie(req, SESSION_COOKIE);
    const session = await this.store.resolve(token);
    const principal = session ? principalOfSession(session) : null;
    return token && session && principal ? { token, session, principal } : null;
  }

  /** Revokes the request's session (if any) and clears the cookie. */
  async signOut(req: Request, res: Response): Promise<void> {
    const token = readCookie(req, SESSION_COOKIE);
    if (token) await this.store.revoke(token);
    this.clear(req, res);
  }

  clear(req: Request, res: Response): void {
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
  }

  /**
   * The CSRF token of a session's forms: HMAC keyed by the session token itself, so it needs no
   * server key (any replica checks it), a page from another site cannot compute it, and it dies
   * with the session.
   */
  csrfToken(sessionToken: string): string {
    return createHmac('sha256', sessionToken).update('ops-console-csrf').digest('base64url');
  }

  checkCsrf(sessionToken: string, given: unknown): boolean {
    return sameText(this.csrfToken(sessionToken), given);
  }

  /** A fresh token for the sign-in form, also set as a short-lived SameSite=Strict cookie. */
  issueLoginCsrf(req: Request, res: Response): string {
    const token = randomBytes(24).toString('base64url');
    res.cookie(LOGIN_COOKIE, token, cookieOptions(req, LOGIN_FORM_SECONDS * 1000));
    return token;
  }

  /** The sign-in form's token matches its cookie: the form came from this console, not another site. */
  checkLoginCsrf(req: Request, given: unknown): boolean {
    const expected = readCookie(req, LOGIN_COOKIE);
    return expected !== undefined && expected !== '' && sameText(expected, given);
  }

  clearLoginCsrf(req: Request, res: Response): void {
    res.clearCookie(LOGIN_COOKIE, cookieOptions(req));
  }

  /**
   * Keeps a sign-in at the IdP in progress for its callback. SameSite=Lax, because the IdP sends the browser back
   * with a top-level navigation from its own site, which a Strict cookie would not accompany; HttpOnly, only for
   * `/login/oidc*`, ten minutes. It holds no credential: what it protects is that the callback's state must be
   * the one this browser started with, and the code is useless without its verifier.
   */
  rememberOidcFlow(req: Request, res: Response, flow: object): void {
    const value = Buffer.from(JSON.stringify(flow)).toString('base64url');
    res.cookie(OIDC_FLOW_COOKIE, value, cookieOptions(req, OIDC_FLOW_SECONDS * 1000, OIDC_FLOW_SCOPE));
  }

  /** The flow `rememberOidcFlow` kept, or undefined (absent, expired, not ours). */
  oidcFlow(req: Request): Record<string, unknown> | undefined {
    const raw = readCookie(req, OIDC_FLOW_COOKIE);
    if (!raw || raw.length > 2048) return undefined;
    try {
      const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
      return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  clearOidcFlow(req: Request, res: Response): void {
    res.clearCookie(OIDC_FLOW_COOKIE, cookieOptions(req, undefined, OIDC_FLOW_SCOPE));
  }
}
