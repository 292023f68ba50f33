// The console's HTTP contract: sign-in cookie, CSRF on every POST, no anonymous pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '@identity-relay/bus';
import { CONSOLE_TOKEN, startConsole } from './console-server.js';
import { startOpsHarness, type OpsHarness } from './harness.js';

let h: OpsHarness;
let base: string;
let close: () => Promise<void>;
let cookie: string;
let deadLetterId: string;

async function get(path: string, withCookie = true): Promise<Response> {
  return fetch(`${base}${path}`, { redirect: 'manual', headers: withCookie ? { cookie } : {} });
}

async function post(path: string, form: Record<string, string>, withCookie = true): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(withCookie ? { cookie } : {}) },
    body: new URLSearchParams(form).toString(),
  });
}

function csrfOf(page: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
}

beforeAll(async () => {
  h = await startOpsHarness();
  await h.startWorker(QUEUES.notifier, () => true);
  await h.publish(QUEUES.notifier, {
    body: { id: 'x', type: 'NotificationRequested', data: { subject: '<script>alert(1)</script>' } },
  });
  await h.waitForDeadLetters(1);
  deadLetterId = (await h.prisma.deadLetter.findFirstOrThrow()).id;
  ({ url: base, close } = await startConsole(h));
});

afterAll(async () => {
  await close?.();
  await h?.dispose();
});

describe('console', () => {
  it('sends anonymous visitors to the sign-in page and refuses a wrong token', async () => {
    const res = await get('/', false);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login');
    expect((await post('/login', { token: 'wrong' }, false)).status).toBe(401);
  });

  it('signs in with an HttpOnly SameSite=Strict cookie', async () => {
    const res = await post('/login', { token: CONSOLE_TOKEN }, false);
    expect(res.status).toBe(303);
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^ir_ops_session=/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    cookie = setCookie.split(';')[0]!;
    const overview = await get('/');
    expect(overview.status).toBe(200);
    expect(await overview.text()).toContain('Failures by cause');
  });

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

  it('signs out', async () => {
    const page = await (await get('/')).text();
    const res = await post('/logout', { _csrf: csrfOf(page) });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/Max-Age=0/);
  });
});
