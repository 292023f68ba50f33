import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type AuthFailureLimiter } from '@identity-relay/runtime';
import { Registry } from 'prom-client';
import type { RequestListener } from 'node:http';
import {
  createAuthenticator,
  createOpsApp,
  credentialFingerprint,
  SessionStore,
  type OidcSignIn,
} from '../src/index.js';
import type { OpsHarness } from './harness.js';
import { listen } from './http-server.js';

export const CONSOLE_TOKEN = 'console-test-token-0123456789';

/** The ops app on a free port over the harness, with a mail folder holding one .eml. */
export async function startConsole(
  h: OpsHarness,
  opts: {
    trustProxy?: string;
    authFailures?: AuthFailureLimiter;
    opsToken?: string;
    mailDir?: string;
    /** Sign-in with an identity provider, given the console's own URL (its callback is under it). */
    oidcSignIn?: (consoleUrl: string) => Promise<OidcSignIn>;
  } = {},
): Promise<{ url: string; mailDir: string; registry: Registry; close(): Promise<void> }> {
  const mailDir = opts.mailDir ?? mkdtempSync(join(tmpdir(), 'ir-ops-mail-'));
  if (!opts.mailDir)
    writeFileSync(
      join(mailDir, '2026-01-01T10-00-00Z-welcome.eml'),
      'From: identity-relay <no-reply@localhost>\r\nTo: ada@school.example\r\nSubject: Welcome to the educators list\r\nContent-Type: text/plain\r\n\r\nHello Ada.\r\n',
    );
  const registry = new Registry();
  // Listening first: an identity provider needs the console's address (its redirect URI) before the app exists.
  let app: RequestListener = (_req, res) => void res.writeHead(503).end();
  const server = await listen((req, res) => app(req, res));
  app = createOpsApp({
    ...h.services,
    authenticate: createAuthenticator({ opsToken: opts.opsToken ?? CONSOLE_TOKEN }),
    sessions: new SessionStore(h.prisma, {
      credentials: [credentialFingerprint(opts.opsToken ?? CONSOLE_TOKEN)],
    }),
    trustProxy: opts.trustProxy,
    logger: createLogger({ service: 'ops-test', level: 'silent' }),
    registry,
    checks: {},
    mailDir,
    authFailures: opts.authFailures,
    oidcSignIn: await opts.oidcSignIn?.(server.url),
  });
  return { url: server.url, mailDir, registry, close: server.close };
}

/** The CSRF token of the first form on a console page. */
export function csrfOf(page: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
}

/** `name=value` of one cookie in a (possibly combined) Set-Cookie header; '' when absent. */
export const cookiePair = (setCookie: string, name: string): string =>
  setCookie
    .split(/,(?=\s*\w+=)/)
    .map((c) => c.trim().split(';')[0]!)
    .find((c) => c.startsWith(`${name}=`)) ?? '';

/** The token sign-in as a browser does it: the form (CSRF token and cookie), then the POST. */
export async function signInWithToken(
  url: string,
  token: string,
  headers: Record<string, string> = {},
): Promise<{ res: Response; session: string }> {
  const form = await fetch(`${url}/login`, { headers });
  const login = cookiePair(form.headers.get('set-cookie') ?? '', 'ir_ops_login');
  const res = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: login, ...headers },
    body: new URLSearchParams({ token, _csrf: csrfOf(await form.text()) }).toString(),
  });
  return { res, session: cookiePair(res.headers.get('set-cookie') ?? '', 'ir_ops_session') };
}
