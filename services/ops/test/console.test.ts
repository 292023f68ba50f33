// The console's HTTP contract: server-side sessions behind an opaque cookie, CSRF on every POST
// (sign-in included), revocation on sign-out, no anonymous pages, 400 for body-less POSTs.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '@identity-relay/bus';
import { AuthFailureLimiter } from '@identity-relay/runtime';
import { SessionStore } from '../src/index.js';
import { CONSOLE_TOKEN, cookiePair, csrfOf, signInWithToken, startConsole } from './console-server.js';
import { startOpsHarness, type OpsHarness } from './harness.js';

let h: OpsHarness;
let base: string;
let close: () => Promise<void>;
let cookie: string;
let deadLetterId: string;
let mailDir: string;

async function get(path: string, withCookie: string | false = cookie, url = base): Promise<Response> {
  return fetch(`${url}${path}`, { redirect: 'manual', headers: withCookie ? { cookie: withCookie } : {} });
}

async function post(
  path: string,
  form: Record<string, string>,
  withCookie: string | false = cookie,
  url = base,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(withCookie ? { cookie: withCookie } : {}),
      ...headers,
    },
    body: new URLSearchParams(form).toString(),
  });
}

/** The sign-in form's CSRF token and cookie, then the POST; returns the response. */
const signIn = (token: string, url = base, headers: Record<string, string> = {}) =>
  signInWithToken(url, token, headers);

beforeAll(async () => {
  h = await startOpsHarness();
  await h.startWorker(QUEUES.notifier, () => true);
  await h.publish(QUEUES.notifier, {
    body: { id: 'x', type: 'NotificationRequested', data: { subject: '<script>alert(1)</script>' } },
  });
  await h.waitForDeadLetters(1);
  deadLetterId = (await h.prisma.deadLetter.findFirstOrThrow()).id;
  ({ url: base, close, mailDir } = await startConsole(h));
});

afterAll(async () => {
  await close?.();
  await h?.dispose();
});

describe('console sign-in', () => {
  it('sends anonymous visitors to the sign-in page and refuses a wrong token', async () => {
    const res = await get('/', false);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login');
    const wrong = await signIn('wrong');
    expect(wrong.res.status).toBe(401);
    expect(wrong.session).toBe('');
  });

  it('refuses a sign-in POST without the form token of its cookie (login CSRF)', async () => {
    const noToken = await post('/login', { token: CONSOLE_TOKEN }, false);
    expect(noToken.status).toBe(403);
    expect(noToken.headers.get('set-cookie') ?? '').not.toMatch(/ir_ops_session=[^;]/);
    const form = await fetch(`${base}/login`);
    const login = cookiePair(form.headers.get('set-cookie') ?? '', 'ir_ops_login');
    // A page on another site can post a token field, but it cannot send this console's cookie.
    const crossSite = await post('/login', { token: CONSOLE_TOKEN, _csrf: csrfOf(await form.text()) }, false);
    expect(crossSite.status).toBe(403);
    const forged = await post('/login', { token: CONSOLE_TOKEN, _csrf: 'forged' }, login);
    expect(forged.status).toBe(403);
    expect(await h.prisma.opsSession.count()).toBe(0);
  });

  it('signs in with an opaque HttpOnly SameSite=Strict cookie that is not the token, backed by a session row', async () => {
    const { res, session } = await signIn(CONSOLE_TOKEN);
    expect(res.status).toBe(303);
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/ir_ops_session=[^;]+;.*HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toMatch(/Secure/); // plain http, no trusted proxy
    expect(session).not.toContain(CONSOLE_TOKEN);
    expect(session).not.toContain(encodeURIComponent(CONSOLE_TOKEN));
    const row = await h.prisma.opsSession.findFirstOrThrow();
    expect(row).toMatchObject({ subject: 'ops-token', roles: ['operator', 'pii'], revokedAt: null });
    expect(row.id).not.toContain(session.split('=')[1]!); // only the hash is stored
    cookie = session;
    const overview = await get('/');
    expect(overview.status).toBe(200);
    expect(await overview.text()).toContain('Failures by cause');
    // The raw token is not a session: a cookie holding it signs nobody in.
    expect((await get('/', `ir_ops_session=${CONSOLE_TOKEN}`)).status).toBe(303);
  });
});

describe('console forms', () => {
  it('refuses a POST without the CSRF token, and accepts it with', async () => {
    const missing = await post(`/dead-letters/${deadLetterId}/discard`, {});
    expect(missing.status).toBe(403);
    const wrong = await post(`/dead-letters/${deadLetterId}/discard`, { _csrf: 'forged' });
    expect(wrong.status).toBe(403);
    expect((await h.prisma.deadLetter.findUniqueOrThrow({ where: { id: deadLetterId } })).status).toBe(
      'open',
    );
    const confirm = await (await get(`/dead-letters/${deadLetterId}/confirm?action=discard`)).text();
    const ok = await post(`/dead-letters/${deadLetterId}/discard`, { _csrf: csrfOf(confirm) });
    expect(ok.status).toBe(303);
    expect((await h.prisma.deadLetter.findUniqueOrThrow({ where: { id: deadLetterId } })).status).toBe(
      'discarded',
    );
  });

  it('answers 400, not 500, to body-less POSTs of sign-in, sign-out, replay and discard', async () => {
    for (const path of [
      '/login',
      '/logout',
      `/dead-letters/${deadLetterId}/replay`,
      `/dead-letters/${deadLetterId}/discard`,
    ]) {
      const res = await fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie } });
      expect(res.status, path).toBe(400);
      expect(await res.text(), path).not.toMatch(/TypeError|at .*\.ts:\d+/);
    }
  });

  it('escapes message content and shows the body pretty', async () => {
    const page = await (await get(`/dead-letters/${deadLetterId}`)).text();
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain(`&quot;subject&quot;: &quot;&lt;script`);
  });

  it('lists the .eml outbox and shows a message, refusing paths outside it', async () => {
    const list = await (await get('/outbox')).text();
    expect(list).toContain('Welcome to the educators list');
    expect(list).toContain('ada@school.example');
    expect(await (await get('/outbox/2026-01-01T10-00-00Z-welcome.eml')).text()).toContain('Hello Ada.');
    expect((await get('/outbox/..%2F..%2Fetc%2Fpasswd')).status).toBe(404);
  });

  it('signs out by revoking the session: the old cookie no longer opens anything', async () => {
    const page = await (await get('/')).text();
    const res = await post('/logout', { _csrf: csrfOf(page) });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/ir_ops_session=;/);
    expect(
      (await h.prisma.opsSession.findFirstOrThrow({ where: { subject: 'ops-token' } })).revokedAt,
    ).not.toBeNull();
    const replayed = await get('/');
    expect(replayed.status).toBe(303);
    expect(replayed.headers.get('location')).toBe('/login');
  });
});

describe('console for read-only users', () => {
  it('masks emails in the outbox and shows headers only, unless the session holds the pii grant', async () => {
    const sessions = new SessionStore(h.prisma);
    const reader = `ir_ops_session=${(await sessions.create({ subject: 'oidc:bob', roles: ['read'] })).token}`;
    const list = await (await get('/outbox', reader)).text();
    expect(list).toContain('a•••@school.example');
    expect(list).not.toContain('ada@school.example');
    const message = await (await get('/outbox/2026-01-01T10-00-00Z-welcome.eml', reader)).text();
    expect(message).not.toContain('ada@school.example');
    expect(message).not.toContain('Hello Ada.');
    expect(message).toContain('Welcome to the educators list');
    const withPii = `ir_ops_session=${(await sessions.create({ subject: 'oidc:cy', roles: ['read', 'pii'] })).token}`;
    expect(await (await get('/outbox/2026-01-01T10-00-00Z-welcome.eml', withPii)).text()).toContain(
      'Hello Ada.',
    );
  });

  it('refuses read-only sessions the pages about people; the pii grant opens them', async () => {
    const sessions = new SessionStore(h.prisma);
    const reader = `ir_ops_session=${(await sessions.create({ subject: 'oidc:bob', roles: ['read'] })).token}`;
    const withPii = `ir_ops_session=${(await sessions.create({ subject: 'oidc:cy', roles: ['read', 'pii'] })).token}`;
    for (const path of [
      '/identities?q=ada@school.example',
      '/notifications',
      '/suppressions',
      '/opt-outs',
      '/dead-letters?email=ada@school.example',
      '/audit?identityId=6b9e4c1e-5d5e-4f4c-9a55-1f6f3c1c2a07',
    ]) {
      const refused = await get(path, reader);
      expect(refused.status, path).toBe(403);
      expect(await refused.text(), path).not.toContain('ada@school.example');
      expect((await get(path, withPii)).status, path).toBe(200);
    }
    await h.prisma.auditLog.create({
      data: {
        actor: 'ops-token',
        action: 'resubscribe',
        deadLetterIds: [],
        count: 1,
        detail: { list: 'educators', email: 'ada@school.example' },
      },
    });
    const audit = await get('/audit?action=resubscribe', reader);
    expect(audit.status).toBe(200);
    const auditText = await audit.text();
    expect(auditText).toContain('resubscribe');
    expect(auditText).not.toContain('ada@school.example');
    expect(await (await get('/audit?action=resubscribe', withPii)).text()).toContain('ada@school.example');
  });

  it('answers console pages and redirects with Cache-Control: no-store', async () => {
    expect((await get('/')).headers.get('cache-control')).toBe('no-store');
    expect((await get('/', false)).headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${base}/login`)).headers.get('cache-control')).toBe('no-store');
  });
});

describe('console outbox bounds', () => {
  it('pages the outbox 50 at a time, newest first', async () => {
    const sessions = new SessionStore(h.prisma);
    const op = `ir_ops_session=${(await sessions.create({ subject: 'ops-token', roles: ['operator'] })).token}`;
    for (let i = 0; i < 60; i++) {
      writeFileSync(
        join(mailDir, `bulk-${String(i).padStart(2, '0')}.eml`),
        `To: u${i}@example.com\r\nSubject: bulk ${i}\r\n\r\nbody\r\n`,
      );
    }
    const first = await (await get('/outbox', op)).text();
    expect(first.match(/<tr>/g)?.length).toBe(51); // header row + 50
    expect(first).toContain('Page 1 of 2 (61 messages)');
    const second = await (await get('/outbox?page=2', op)).text();
    expect(second.match(/<tr>/g)?.length).toBe(12);
  });

  it('shows at most 1 MB of a large message, saying it was cut', async () => {
    const sessions = new SessionStore(h.prisma);
    const op = `ir_ops_session=${(await sessions.create({ subject: 'ops-token', roles: ['operator'] })).token}`;
    writeFileSync(join(mailDir, 'huge.eml'), `Subject: huge\r\n\r\n${'x'.repeat(5 * 1024 * 1024)}`);
    const res = await get('/outbox/huge.eml', op);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text.length).toBeLessThan(1.2 * 1024 * 1024);
    expect(text).toContain(`of ${5 * 1024 * 1024 + 17} bytes`);
  });
});

describe('console outbox memory', () => {
  it('keeps memory bounded under 10 parallel requests over a folder of large messages', async () => {
    // Its own folder: 40 messages of 4 MB (sparse files, nothing on disk). Reading them whole, in parallel, as the
    // outbox once did, takes 160 MB per request and 1.6 GB for ten.
    const big = mkdtempSync(join(tmpdir(), 'ir-ops-big-'));
    for (let i = 0; i < 40; i++) {
      const file = join(big, `big-${String(i).padStart(2, '0')}.eml`);
      writeFileSync(file, `To: u${i}@example.com\r\nSubject: big ${i}\r\n\r\n`);
      truncateSync(file, 4 * 1024 * 1024);
    }
    const bigConsole = await startConsole(h, { mailDir: big });
    try {
      const op = `ir_ops_session=${(await new SessionStore(h.prisma).create({ subject: 'oidc:op', roles: ['operator'] })).token}`;
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
      try {
        const pages = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            get(i % 2 === 0 ? '/outbox' : '/outbox/big-07.eml', op, bigConsole.url).then((r) => r.text()),
          ),
        );
        expect(pages[0]).toContain('big 39');
        expect(pages[1]).toContain('Subject: big 7');
      } finally {
        clearInterval(sampler);
      }
      peak = Math.max(peak, process.memoryUsage().rss);
      // Bounded: 50 header blocks of 8 KB per list, 1 MB per message view; the allowance is for the runtime itself.
      expect((peak - before) / 2 ** 20).toBeLessThan(150);
    } finally {
      await bigConsole.close();
      rmSync(big, { recursive: true, force: true });
    }
  });
});

describe('failed authentication limit and refusal logging', () => {
  it('limits failed sign-ins and API tokens per client address: past the limit even the right token gets 429', async () => {
    const limited = await startConsole(h, { authFailures: new AuthFailureLimiter({ perMinute: 3 }) });
    try {
      for (let i = 0; i < 2; i++) expect((await signIn('guess', limited.url)).res.status).toBe(401);
      const api = await fetch(`${limited.url}/api/stats`, { headers: { authorization: 'Bearer guess' } });
      expect(api.status).toBe(401);
      const blocked = await signIn(CONSOLE_TOKEN, limited.url);
      expect(blocked.res.status).toBe(429);
      expect(blocked.res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(blocked.session).toBe('');
      const apiBlocked = await fetch(`${limited.url}/api/stats`, {
        headers: { authorization: `Bearer ${CONSOLE_TOKEN}` },
      });
      expect(apiBlocked.status).toBe(429);
      expect(apiBlocked.headers.get('retry-after')).toMatch(/^\d+$/);
      // 4xx answers are counted by status (and logged at debug only).
      const metrics = await limited.registry.metrics();
      expect(metrics).toMatch(/identity_relay_ops_client_errors_total\{status="401"\} 3/);
      expect(metrics).toMatch(/identity_relay_ops_client_errors_total\{status="429"\} 2/);
    } finally {
      await limited.close();
    }
  });
});

describe('console behind a TLS proxy', () => {
  it('marks cookies Secure on X-Forwarded-Proto: https only when TRUST_PROXY trusts the proxy', async () => {
    const https = { 'x-forwarded-proto': 'https' };
    const untrusted = await signIn(CONSOLE_TOKEN, base, https);
    expect(untrusted.res.headers.get('set-cookie')).not.toMatch(/Secure/);
    const proxied = await startConsole(h, { trustProxy: 'loopback' });
    try {
      const trusted = await signIn(CONSOLE_TOKEN, proxied.url, https);
      expect(trusted.res.status).toBe(303);
      expect(trusted.res.headers.get('set-cookie')).toMatch(/ir_ops_session=[^;]+;.*Secure/);
    } finally {
      await proxied.close();
    }
  });
});

describe('rotating OPS_TOKEN', () => {
  it('ends the console sessions signed in with the old token; OIDC sessions are not bound to it', async () => {
    const before = await signIn(CONSOLE_TOKEN);
    expect((await get('/', before.session)).status).toBe(200);
    const oidc = `ir_ops_session=${(await new SessionStore(h.prisma).create({ subject: 'oidc:ada', roles: ['read'] })).token}`;
    // The same database, ops restarted (or another replica) with a new OPS_TOKEN.
    const rotated = await startConsole(h, { opsToken: 'rotated-console-token-9876543210' });
    try {
      const old = await get('/', before.session, rotated.url);
      expect(old.status).toBe(303);
      expect(old.headers.get('location')).toBe('/login');
      expect((await get('/', oidc, rotated.url)).status).toBe(200);
      const again = await signIn('rotated-console-token-9876543210', rotated.url);
      expect((await get('/', again.session, rotated.url)).status).toBe(200);
      // Nor does the old token sign anyone in any more.
      expect((await signIn(CONSOLE_TOKEN, rotated.url)).res.status).toBe(401);
    } finally {
      await rotated.close();
    }
  });
});
