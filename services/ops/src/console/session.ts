import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'ir_ops_session';

/** Cookies of the request (no dependency needed for one cookie). */
export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

/**
 * The session cookie holds the token itself, so a JWT's expiry and role apply on every request and
 * nothing is stored server-side. HttpOnly keeps scripts away from it; SameSite=Strict keeps other
 * sites from sending it; Secure when served over HTTPS.
 */
export function setSession(req: Request, res: Response, token: string, maxAgeSeconds = 8 * 3600): void {
  const secure = req.secure ? '; Secure' : '';
  res.append(
    'Set-Cookie',
    `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`,
  );
}

export function clearSession(res: Response): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
}

/**
 * CSRF tokens bound to the session: HMAC of the session token under a per-process key. A form from
 * another site cannot know it, and it changes with every login.
 */
export class CsrfTokens {
  private readonly key: Buffer;

  constructor(key: Buffer = randomBytes(32)) {
    this.key = key;
  }

  issue(session: string): string {
    return createHmac('sha256', this.key).update(session).digest('base64url');
  }

  check(session: string, given: unknown): boolean {
    if (typeof given !== 'string') return false;
    const expected = Buffer.from(this.issue(session));
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
