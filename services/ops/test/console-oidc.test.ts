// Console sign-in with a real OpenID Connect provider (oidc-provider on a free port): the authorization code flow
// with PKCE ends in a server-side session whose grants come from the ID token's claims, mapped as the API maps
// bearer tokens; a forged or replayed state, and an account without an ops role, sign nobody in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcSignIn } from '../src/index.js';
import { cookiePair, startConsole } from './console-server.js';
import { startOpsHarness, type OpsHarness } from './harness.js';
import { testIdpSignIn, type TestAccount, type TestIdp } from './test-idp.js';

let h: OpsHarness;
let idp: TestIdp;
let base: string;
let close: () => Promise<void>;

const account = (name: string, roles: string[]): TestAccount => ({
  sub: `sub-${name}`,
  email: `${name}@school.example`,
  preferred_username: name,
  roles,
});

/** Cookies of one browser at the provider (a fresh jar is a fresh browser). */
class Jar {
  private readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const value = pair!.slice(i + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(pair!.slice(0, i));
      else this.cookies.set(pair!.slice(0, i), value);
    }
  }
}

/** The console's start, then the provider's redirects until it sends the browser back to the callback. */
async function toCallback(): Promise<{
  flowCookie: string;
  setCookie: string;
  callback: URL;
  authorize: URL;
}> {
  const start = await fetch(`${base}/login/oidc`, { redirect: 'manual' });
  expect(start.status).toBe(303);
  const setCookie = start.headers.get('set-cookie') ?? '';
  const authorize = new URL(start.headers.get('location')!);
  const jar = new Jar();
  let url = authorize;
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.take(res);
    const next = res.headers.get('location');
    if (!next)
      throw new Error(`the provider stopped at ${url.pathname} with ${res.status}: ${await res.text()}`);
    url = new URL(next, url);
    if (url.href.startsWith(`${base}/login/oidc/callback`))
      return { flowCookie: cookiePair(setCookie, 'ir_ops_oidc'), setCookie, callback: url, authorize };
  }
  throw new Error('too many redirects at the provider');
}

async function callback(
  url: URL,
  flowCookie: string,
): Promise<{ res: Response; session: string; page: string }> {
  const res = await fetch(url, { redirect: 'manual', headers: flowCookie ? { cookie: flowCookie } : {} });
  return {
    res,
    session: cookiePair(res.headers.get('set-cookie') ?? '', 'ir_ops_session'),
    page: await res.text(),
  };
}

beforeAll(async () => {
  h = await startOpsHarness();
  ({ url: base, close } = await startConsole(h, { oidcSignIn: testIdpSignIn((started) => (idp = started)) }));
});

afterAll(async () => {
  await close?.();
  await idp?.close();
  await h?.dispose();
});

describe('console sign-in with an OpenID Connect provider', () => {
  it('offers the provider on the sign-in page beside the token form', async () => {
    const page = await (await fetch(`${base}/login`)).text();
    expect(page).toContain(`href="/login/oidc"`);
    expect(page).toContain(`Sign in with ${new URL(idp.issuer).host}`);
    expect(page).toContain('name="token"');
  });

  it('runs the code flow with PKCE and state into a session carrying the roles of the claims', async () => {
    idp.signInAs(account('ada', ['ops-operators', 'staff']));
    const { flowCookie, setCookie, callback: url, authorize } = await toCallback();
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get('scope')).toBe('openid profile email');
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(authorize.href).not.toContain(
      JSON.parse(Buffer.from(flowCookie.split('=')[1]!, 'base64url').toString()).verifier,
    );
    expect(setCookie).toMatch(
      /ir_ops_oidc=[^;]+; Max-Age=600; Path=\/login\/oidc; Expires=[^;]+; HttpOnly; SameSite=Lax/,
    );

    const { res, session, page } = await callback(url, flowCookie);
    expect(res.status).toBe(200);
    expect(page).toContain('content="0;url=/"');
    expect(res.headers.get('set-cookie')).toMatch(/ir_ops_oidc=;/); // the flow is over
    expect(session).toMatch(/^ir_ops_session=.+/);
    expect(idp.jwksFetches()).toBeGreaterThan(0); // the ID token's signature was checked
    const row = await h.prisma.opsSession.findFirstOrThrow({ where: { subject: 'oidc:sub-ada' } });
    expect(row).toMatchObject({ name: 'ada', roles: ['operator'], revokedAt: null });
    const overview = await fetch(`${base}/`, { redirect: 'manual', headers: { cookie: session } });
    expect(overview.status).toBe(200);
    expect(await overview.text()).toContain('oidc:sub-ada (ada) · operator');
  });

  it('gives a reader with the pii role exactly the grants the API would', async () => {
    idp.signInAs(account('grace', ['ops-readers', 'ops-pii']));
    const { flowCookie, callback: url } = await toCallback();
    const { res, session } = await callback(url, flowCookie);
    expect(res.status).toBe(200);
    expect(
      await h.prisma.opsSession.findFirstOrThrow({ where: { subject: 'oidc:sub-grace' } }),
    ).toMatchObject({
      roles: ['read', 'pii'],
    });
    const replay = await fetch(`${base}/dead-letters/00000000-0000-4000-8000-000000000000/confirm`, {
      redirect: 'manual',
      headers: { cookie: session },
    });
    expect(replay.status).toBe(403);
  });

  it('refuses an answer whose state is not the one this browser started, and a replayed answer', async () => {
    idp.signInAs(account('mallory', ['ops-operators']));
    const { flowCookie, callback: url } = await toCallback();
    const forged = new URL(url);
    forged.searchParams.set('state', 'forged-state');
    const wrong = await callback(forged, flowCookie);
    expect(wrong.res.status).toBe(400);
    expect(wrong.page).toContain('state mismatch');
    expect(wrong.session).toBe('');
    // Another browser (no flow cookie) cannot use the answer either, and the flow cookie was cleared above.
    const stolen = await callback(url, '');
    expect(stolen.res.status).toBe(400);
    expect(stolen.session).toBe('');
    expect(await h.prisma.opsSession.count({ where: { subject: 'oidc:sub-mallory' } })).toBe(0);
  });

  it('refuses a code redeemed twice', async () => {
    idp.signInAs(account('ada', ['ops-operators']));
    const { flowCookie, callback: url } = await toCallback();
    expect((await callback(url, flowCookie)).res.status).toBe(200);
    const again = await callback(url, flowCookie);
    expect(again.res.status).toBe(401);
    expect(again.session).toBe('');
  });

  it('marks the flow and session cookies Secure behind a TLS proxy trusted with TRUST_PROXY', async () => {
    const proxied = await startConsole(h, {
      trustProxy: 'loopback',
      oidcSignIn: () =>
        Promise.resolve(
          new OidcSignIn({
            issuer: idp.issuer,
            clientId: idp.clientId,
            clientSecret: idp.clientSecret,
            redirectUrl: `${base}/login/oidc/callback`,
            roleClaim: 'roles',
            readRole: 'ops-readers',
            operatorRole: 'ops-operators',
          }),
        ),
    });
    try {
      const https = { 'x-forwarded-proto': 'https' };
      const start = await fetch(`${proxied.url}/login/oidc`, { redirect: 'manual', headers: https });
      expect(start.headers.get('set-cookie')).toMatch(/ir_ops_oidc=[^;]+;.*; Secure; SameSite=Lax/);
      idp.signInAs(account('ada', ['ops-operators']));
      const { flowCookie, callback: url } = await toCallback();
      const proxiedCallback = new URL(`${url.pathname}${url.search}`, proxied.url);
      // The flow was started on the first console; the answer is valid for any replica that holds its cookie.
      const res = await fetch(proxiedCallback, {
        redirect: 'manual',
        headers: { cookie: flowCookie, ...https },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toMatch(
        /ir_ops_session=[^;]+;.*HttpOnly; Secure; SameSite=Strict/,
      );
    } finally {
      await proxied.close();
    }
  });

  it('signs in nobody whose claims carry no ops role, and says why', async () => {
    idp.signInAs(account('eve', ['staff']));
    const { flowCookie, callback: url } = await toCallback();
    const { res, session, page } = await callback(url, flowCookie);
    expect(res.status).toBe(403);
    expect(page).toContain('the account eve has no ops role');
    expect(page).not.toContain('ops-readers'); // like the API, the configured role names are not told
    expect(session).toBe('');
    expect(await h.prisma.opsSession.count({ where: { subject: 'oidc:sub-eve' } })).toBe(0);
  });
});
