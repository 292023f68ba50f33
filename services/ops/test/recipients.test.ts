// Notifications' per-recipient status and preview, suppressions and opt-outs: the HTTP API, the CLI (child
// processes) and the console, over a real database and broker. Rows are seeded as the notifier and the
// subscribers worker write them.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from './cli-runner.js';
import { CONSOLE_TOKEN, startConsole } from './console-server.js';
import { startOpsHarness, type OpsHarness } from './harness.js';

let h: OpsHarness;
let base: string;
let close: () => Promise<void>;
const NOTIFICATION = `exam-${randomUUID()}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the assertions
type Body = any;

async function call(method: string, path: string, body?: unknown, token: string | null = CONSOLE_TOKEN) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Body };
}

const cli = (args: string[]): Promise<CliRun> =>
  runCli(args, { DATABASE_URL: h.db.url, AMQP_URL: h.vhost.url, RETRY_DELAYS_MS: '50' });

async function audits(action: string) {
  return h.prisma.auditLog.findMany({ where: { action }, orderBy: { id: 'asc' } });
}

beforeAll(async () => {
  h = await startOpsHarness();
  await h.archive.stop();
  const ada = randomUUID();
  await h.prisma.$executeRaw`
    INSERT INTO identities (id, provider, external_id, email, state, traits, source_updated_at, version)
    VALUES (${ada}::uuid, 'kratos', ${ada}, 'ada@school.example', 'active',
      '{"name":{"first":"Ada"}}'::jsonb, now(), 1)`;
  await h.prisma.$executeRaw`
    INSERT INTO notifications (id, topic, list, subject, text, html, template_data, requested_at, recipients)
    VALUES (${NOTIFICATION}, 'exam.generated', 'educators', 'Hello {{ recipient.traits.name.first }}',
      '{{ data.title }} is ready', '<p>{{ recipient.traits.name.first }} & co</p>', '{"title":"Algebra"}'::jsonb, now(), 4)`;
  await h.prisma.$executeRaw`
    INSERT INTO email_deliveries (notification_id, email, identity_id, status, attempts, message_id, smtp_message_id, smtp_response, error, updated_at)
    VALUES
      (${NOTIFICATION}, 'ada@school.example', ${ada}::uuid, 'sent', 1, '<a@school.example>', 'Q1', '250 2.0.0 Ok: queued as Q1', NULL, now()),
      (${NOTIFICATION}, 'bounce@school.example', NULL, 'failed', 1, '<b@school.example>', NULL, '550 5.1.1 mailbox unavailable', 'rejected', now()),
      (${NOTIFICATION}, 'gone@school.example', NULL, 'unsubscribed', 0, '<c@school.example>', NULL, NULL, NULL, now()),
      (${NOTIFICATION}, 'old@school.example', NULL, 'suppressed', 0, '<d@school.example>', NULL, NULL, '550 earlier', now())`;
  await h.prisma.$executeRaw`
    INSERT INTO suppressions (email, reason, notification_id) VALUES
      ('bounce@school.example', '550 5.1.1 mailbox unavailable', ${NOTIFICATION}),
      ('old@school.example', '550 earlier', NULL),
      ('cli@school.example', '554 no such user', NULL)`;
  await h.prisma.$executeRaw`
    INSERT INTO subscriber_opt_outs (list, email, method) VALUES
      ('educators', 'gone@school.example', 'one-click'), ('educators', 'cli@school.example', 'page')`;
  ({ url: base, close } = await startConsole(h));
});

afterAll(async () => {
  await close?.();
  await h?.dispose();
});

describe('API', () => {
  it("a notification's counts by status and each recipient's status and SMTP response", async () => {
    const res = await call('GET', `/api/notifications/${NOTIFICATION}`);
    expect(res.status).toBe(200);
    expect(res.body.counts).toEqual({ sent: 1, pending: 0, failed: 1, suppressed: 1, unsubscribed: 1 });
    expect(res.body.deliveries).toEqual([
      expect.objectContaining({
        email: 'ada@school.example',
        status: 'sent',
        smtpResponse: '250 2.0.0 Ok: queued as Q1',
      }),
      expect.objectContaining({
        email: 'bounce@school.example',
        status: 'failed',
        smtpResponse: '550 5.1.1 mailbox unavailable',
      }),
      expect.objectContaining({ email: 'gone@school.example', status: 'unsubscribed' }),
      expect.objectContaining({ email: 'old@school.example', status: 'suppressed', error: '550 earlier' }),
    ]);
    const list = await call('GET', '/api/notifications');
    expect(list.body.items[0]).toMatchObject({ id: NOTIFICATION, counts: { sent: 1, failed: 1 } });
    expect((await call('GET', '/api/notifications/nope')).status).toBe(404);
  });

  it('previews the notification for one recipient with their synced traits, HTML escaped', async () => {
    const res = await call('GET', `/api/notifications/${NOTIFICATION}/preview?email=ADA@school.example`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      email: 'ada@school.example',
      subject: 'Hello Ada',
      text: 'Algebra is ready',
      html: '<p>Ada & co</p>',
    });
    expect((await call('GET', `/api/notifications/${NOTIFICATION}/preview?email=x@y.z`)).status).toBe(404);
    expect(
      (await call('GET', `/api/notifications/${NOTIFICATION}/preview?email=not-an-address`)).status,
    ).toBe(400);
  });

  it('lists suppressions; lifting one is audited, a second lift is 404, a bad address 400, no token 401', async () => {
    const list = await call('GET', '/api/suppressions');
    expect(list.body.items.map((s: Body) => s.email).sort()).toEqual([
      'bounce@school.example',
      'cli@school.example',
      'old@school.example',
    ]);
    const lifted = await call('DELETE', '/api/suppressions/Bounce@school.example');
    expect(lifted.status).toBe(200);
    expect(lifted.body).toMatchObject({
      email: 'bounce@school.example',
      reason: '550 5.1.1 mailbox unavailable',
    });
    expect(await h.prisma.suppression.findUnique({ where: { email: 'bounce@school.example' } })).toBeNull();
    expect(await audits('unsuppress')).toEqual([
      expect.objectContaining({
        actor: 'ops-token',
        count: 1,
        detail: expect.objectContaining({ email: 'bounce@school.example' }),
      }),
    ]);
    expect((await call('DELETE', '/api/suppressions/bounce@school.example')).status).toBe(404);
    expect((await call('DELETE', '/api/suppressions/nobody')).status).toBe(400);
    expect((await call('GET', '/api/suppressions', undefined, null)).status).toBe(401);
  });

  it('lists opt-outs; resubscribing lifts the opt-out and is audited; nothing to lift is 404', async () => {
    const list = await call('GET', '/api/opt-outs?list=educators');
    expect(list.body.items.map((o: Body) => o.email).sort()).toEqual([
      'cli@school.example',
      'gone@school.example',
    ]);
    const res = await call('POST', '/api/opt-outs/resubscribe', {
      list: 'educators',
      email: 'gone@school.example',
    });
    expect(res.status).toBe(200);
    const row = await h.prisma.subscriberOptOut.findUniqueOrThrow({
      where: { list_email: { list: 'educators', email: 'gone@school.example' } },
    });
    expect(row).toMatchObject({ resubscribedBy: 'ops-token' });
    expect(row.resubscribedAt).not.toBeNull();
    expect(await audits('resubscribe')).toEqual([
      expect.objectContaining({
        actor: 'ops-token',
        detail: expect.objectContaining({ list: 'educators', email: 'gone@school.example' }),
      }),
    ]);
    expect(
      (await call('POST', '/api/opt-outs/resubscribe', { list: 'educators', email: 'gone@school.example' }))
        .status,
    ).toBe(404);
    expect(
      (await call('POST', '/api/opt-outs/resubscribe', { list: 'Bad List', email: 'a@b.c' })).status,
    ).toBe(400);
  });
});

// Each CLI run is a fresh process (tsx): several seconds apiece on a busy machine.
describe('CLI', { timeout: 300_000 }, () => {
  it('suppression list [--json] and suppression remove <email> (audited as the CLI user)', async () => {
    const text = await cli(['suppression', 'list']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('cli@school.example');
    expect(text.stdout).toContain('554 no such user');
    const json = await cli(['suppression', 'list', '--json']);
    expect(JSON.parse(json.stdout).items.map((s: Body) => s.email)).toContain('cli@school.example');
    const removed = await cli(['suppression', 'remove', 'cli@school.example']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('cli@school.example is no longer suppressed');
    expect((await audits('unsuppress')).at(-1)).toMatchObject({ actor: expect.stringMatching(/^cli:/) });
    const again = await cli(['suppression', 'remove', 'cli@school.example']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('not suppressed');
  });

  it('resubscribe <list> <email> (audited) and notification show', async () => {
    const done = await cli(['resubscribe', 'educators', 'cli@school.example']);
    expect(done.code).toBe(0);
    expect((await audits('resubscribe')).at(-1)).toMatchObject({ actor: expect.stringMatching(/^cli:/) });
    const shown = await cli(['notification', 'show', NOTIFICATION]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('sent 1 · pending 0 · failed 1 · suppressed 1 · unsubscribed 1');
    expect(shown.stdout).toContain('550 5.1.1 mailbox unavailable');
  });
});

describe('console', () => {
  it('shows per-recipient status with a preview for one recipient, and lifts a suppression with a CSRF-checked form', async () => {
    const login = await fetch(`${base}/login`);
    const loginCookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())?.[1] ?? '';
    const signIn = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: loginCookie },
      body: new URLSearchParams({ token: CONSOLE_TOKEN, _csrf: csrf }).toString(),
    });
    const session = (signIn.headers.get('set-cookie') ?? '')
      .split(/,(?=\s*\w+=)/)
      .map((c) => c.trim().split(';')[0]!)
      .find((c) => c.startsWith('ir_ops_session='))!;
    const get = (path: string) => fetch(`${base}${path}`, { headers: { cookie: session } });

    const page = await (await get(`/notifications/${NOTIFICATION}?email=ada%40school.example`)).text();
    expect(page).toContain('Preview for ada@school.example');
    expect(page).toContain('Hello Ada');
    expect(page).toContain('&lt;p&gt;Ada &amp; co&lt;/p&gt;');
    expect(page).toContain('550 5.1.1 mailbox unavailable');

    const suppressions = await (await get('/suppressions')).text();
    expect(suppressions).toContain('old@school.example');
    const formCsrf = /name="_csrf" value="([^"]+)"/.exec(suppressions)?.[1] ?? '';
    const lift = (token: string) =>
      fetch(`${base}/suppressions/remove`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session },
        body: new URLSearchParams({ _csrf: token, email: 'old@school.example' }).toString(),
      });
    expect((await lift('forged')).status).toBe(403);
    expect(await h.prisma.suppression.findUnique({ where: { email: 'old@school.example' } })).not.toBeNull();
    const res = await lift(formCsrf);
    expect(res.status).toBe(303);
    expect(await h.prisma.suppression.findUnique({ where: { email: 'old@school.example' } })).toBeNull();
    expect((await audits('unsuppress')).at(-1)).toMatchObject({
      detail: expect.objectContaining({ email: 'old@school.example' }),
    });
  });
});
