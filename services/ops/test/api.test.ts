// The ops HTTP API over a real broker and database, with OIDC tokens checked against a JWKS this test serves.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES, type RawDelivery } from '@identity-relay/bus';
import { queueDepth } from '@identity-relay/bus/testing';
import { createLogger } from '@identity-relay/runtime';
import { Registry } from 'prom-client';
import { createAuthenticator, createOpsApp, SessionStore, type DeadLetterItem } from '../src/index.js';
import { startOpsHarness, type OpsHarness } from './harness.js';
import { listen, startTestIssuer, type TestIssuer } from './http-server.js';

const OPS_TOKEN = 'test-ops-token-0123456789';
const AUDIENCE = 'identity-relay-ops';
let h: OpsHarness;
let issuer: TestIssuer;
let base: string;
let close: () => Promise<void>;
let operatorJwt: string;
let readerJwt: string;

/** A dead letter as the consumer runtime writes it, dead-lettered `minutesAgo` minutes ago. */
function deadLetter(
  queue: string,
  type: string,
  minutesAgo: number,
  error = `timeout after ${minutesAgo}00 ms`,
): RawDelivery {
  const id = randomUUID();
  return {
    queue: `${queue}.dead`,
    content: Buffer.from(JSON.stringify({ id, type, data: { n: minutesAgo } })),
    properties: { messageId: id, type, contentType: 'application/cloudevents+json', headers: {} } as never,
    headers: {
      'x-error': error,
      'x-error-class': 'TransientError',
      'x-attempts': 4,
      'x-dead-lettered-at': new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      'x-original-exchange': queue === QUEUES.identitySync ? 'identity.events' : 'notifications',
      'x-original-routing-key':
        queue === QUEUES.identitySync ? 'kratos.identity.updated' : 'notification.news',
      'x-service': queue,
      'x-host': 'w1',
    },
    exchange: '',
    routingKey: `${queue}.dead`,
    redelivered: false,
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the assertions
type Body = any;

async function call(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: Body; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

beforeAll(async () => {
  h = await startOpsHarness();
  await h.archive.stop(); // rows are stored directly below; the drain is covered by archive.test.ts
  issuer = await startTestIssuer(AUDIENCE);
  const authenticate = createAuthenticator({
    opsToken: OPS_TOKEN,
    oidc: {
      issuer: issuer.issuer,
      audience: AUDIENCE,
      roleClaim: 'realm_access.roles',
      readRole: 'ops-read',
      operatorRole: 'ops-admin',
      piiRole: 'ops-pii',
    },
  });
  const app = createOpsApp({
    ...h.services,
    authenticate,
    logger: createLogger({ service: 'ops-test', level: 'silent' }),
    registry: new Registry(),
    checks: {},
    sessions: new SessionStore(h.prisma),
  });
  const server = await listen(app);
  base = server.url;
  close = server.close;
  operatorJwt = await issuer.sign({
    sub: 'ada',
    preferred_username: 'ada',
    realm_access: { roles: ['ops-admin'] },
  });
  readerJwt = await issuer.sign({ sub: 'bob', realm_access: { roles: ['ops-read'] } });
  // 12 on identity-sync (one cause), 5 on notifier (another cause), at distinct times.
  for (let i = 0; i < 12; i++)
    await h.archive.store(deadLetter(QUEUES.identitySync, 'KratosIdentityUpdated', i + 1));
  for (let i = 0; i < 5; i++)
    await h.archive.store(
      deadLetter(QUEUES.notifier, 'NotificationRequested', 100 + i, `SMTP 451 for user${i}@example.com`),
    );
});

afterAll(async () => {
  await close?.();
  await issuer?.close();
  await h?.dispose();
});

describe('auth', () => {
  it('refuses requests without a valid token with 401', async () => {
    const none = await call('GET', '/api/dead-letters');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(none.headers.get('content-type')).toBe('application/problem+json');
    expect(none.body).toEqual({
      type: 'tag:identity-relay,2026:problem:no_token',
      title: 'Unauthorized',
      status: 401,
      detail: 'authentication required: send Authorization: Bearer <token>',
      code: 'no_token',
    });
    expect((await call('GET', '/api/dead-letters', { token: 'wrong' })).status).toBe(401);
    expect((await call('GET', '/api/stats', { token: 'a.b.c' })).status).toBe(401);
  });

  it('accepts OPS_TOKEN and operator JWTs for everything', async () => {
    expect((await call('GET', '/api/dead-letters', { token: OPS_TOKEN })).status).toBe(200);
    expect((await call('GET', '/api/dead-letters', { token: operatorJwt })).status).toBe(200);
  });

  it('gives a read role read access only (403 on actions)', async () => {
    expect((await call('GET', '/api/dead-letters/groups', { token: readerJwt })).status).toBe(200);
    const post = await call('POST', '/api/dead-letters/replay', {
      token: readerJwt,
      body: { filter: {}, dryRun: true },
    });
    expect(post.status).toBe(403);
  });

  it('refuses a JWT without a role (403, naming no claim or role), expired, for another audience or issuer, or signed by another key (401)', async () => {
    const noRole = await issuer.sign({ realm_access: { roles: ['other'] } });
    const forbidden = await call('GET', '/api/stats', { token: noRole });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.detail).not.toMatch(/realm_access|ops-read|ops-admin/);
    const expired = await issuer.sign(
      { realm_access: { roles: ['ops-admin'] } },
      { expiresIn: Math.floor(Date.now() / 1000) - 120 },
    );
    const answers = [await call('GET', '/api/stats', { token: expired })];
    for (const opts of [
      { audience: 'someone-else' },
      { issuer: 'https://evil.example' },
      { key: 'foreign' as const },
    ]) {
      const token = await issuer.sign({ realm_access: { roles: ['ops-admin'] } }, opts);
      answers.push(await call('GET', '/api/stats', { token }));
    }
    answers.push(await call('GET', '/api/stats', { token: 'a.b.c' }));
    // The client learns that the token failed, never why (expired, audience, issuer, key…).
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual(answers[0]!.body);
    }
    expect(answers[0]!.body).toMatchObject({
      status: 401,
      code: 'invalid_token',
      detail: 'invalid or expired token',
    });
  });

  it('only honours the role claim at its nested path, not a top-level claim named like the path', async () => {
    const forged = await issuer.sign({ 'realm_access.roles': ['ops-admin'] });
    expect((await call('GET', '/api/stats', { token: forged })).status).toBe(403);
  });
});

describe('personal data', () => {
  it('masks emails and traits for read-only callers, not for operators or pii holders; no raw bytes', async () => {
    const pii = deadLetter(QUEUES.identitySync, 'KratosIdentityUpdated', 3, 'conflict for ada@school.edu');
    pii.content = Buffer.from(
      JSON.stringify({
        id: 'p1',
        data: { identity: { traits: { email: 'ada@school.edu', name: { first: 'Ada' } } } },
      }),
    );
    await h.archive.store(pii);
    const row = await h.prisma.deadLetter.findFirstOrThrow({
      where: { error: 'conflict for ada@school.edu' },
    });
    const piiReaderJwt = await issuer.sign({ sub: 'cy', realm_access: { roles: ['ops-read', 'ops-pii'] } });
    const reader = await call('GET', `/api/dead-letters/${row.id}`, { token: readerJwt });
    expect(reader.status).toBe(200);
    const text = JSON.stringify(reader.body);
    expect(text).not.toContain('ada@school.edu');
    expect(text).not.toContain('Ada');
    expect(reader.body.error).toBe('conflict for a•••@school.edu');
    expect(reader.body.body).toMatchObject({
      masked: true,
      json: { data: { identity: { traits: { name: { first: '•••' } } } } },
    });
    expect(reader.body.body.base64).toBeUndefined();
    const list = await call('GET', '/api/dead-letters?queue=identity-sync&limit=500', { token: readerJwt });
    expect(JSON.stringify(list.body)).not.toContain('ada@school.edu');
    const groups = await call('GET', '/api/dead-letters/groups', { token: readerJwt });
    expect(JSON.stringify(groups.body)).not.toContain('ada@school.edu');
    for (const token of [operatorJwt, piiReaderJwt, OPS_TOKEN]) {
      const full = await call('GET', `/api/dead-letters/${row.id}`, { token });
      expect(full.body.error).toBe('conflict for ada@school.edu');
      expect(Buffer.from(full.body.body.base64, 'base64').equals(pii.content)).toBe(true);
    }
    await h.prisma.deadLetter.delete({ where: { id: row.id } });
  });

  it('refuses read-only callers the questions about people (identities, recipients, search by person); the pii grant opens them', async () => {
    const piiReaderJwt = await issuer.sign({ sub: 'cy', realm_access: { roles: ['ops-read', 'ops-pii'] } });
    const id = '00000000-0000-4000-8000-000000000001';
    for (const path of [
      '/api/identities?email=ada@school.edu',
      `/api/identities/${id}/timeline`,
      '/api/notifications',
      `/api/notifications/${id}`,
      '/api/suppressions',
      '/api/opt-outs',
      // A search by person says whether their messages failed, masked or not.
      '/api/dead-letters?email=ada@school.edu',
      '/api/dead-letters/groups?externalId=k-ada',
      // So does an audit search by identity: whether anything matched says operators acted on that person.
      `/api/audit?identityId=${id}`,
    ]) {
      const reader = await call('GET', path, { token: readerJwt });
      expect(reader.status, path).toBe(403);
      expect(reader.headers.get('cache-control'), path).toBe('no-store');
      expect([200, 404], path).toContain((await call('GET', path, { token: piiReaderJwt })).status);
    }
    // The audit log is for every reader, but whom an action was about is masked for them.
    await h.prisma.auditLog.create({
      data: {
        actor: 'ops-token',
        action: 'unsuppress',
        deadLetterIds: [],
        count: 1,
        detail: { email: 'ada@school.edu', reason: 'bounced' },
        filter: { email: 'ada@school.edu' },
      },
    });
    const masked = await call('GET', '/api/audit?action=unsuppress', { token: readerJwt });
    expect(masked.status).toBe(200);
    expect(JSON.stringify(masked.body)).not.toContain('ada@school.edu');
    expect(masked.body.items[0].detail).toMatchObject({ email: 'a•••@school.edu', reason: 'bounced' });
    const full = await call('GET', '/api/audit?action=unsuppress', { token: piiReaderJwt });
    expect(full.body.items[0].detail.email).toBe('ada@school.edu');
  });

  it('answers every API response with Cache-Control: no-store', async () => {
    for (const res of [
      await call('GET', '/api/dead-letters', { token: readerJwt }),
      await call('GET', '/api/dead-letters'),
      await call('GET', '/api/openapi.json', { token: OPS_TOKEN }),
    ]) {
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });
});

describe('queries', () => {
  it('filters by queue, type, fingerprint, status and time range', async () => {
    const q = (s: string) =>
      call('GET', `/api/dead-letters?${s}&limit=500`, { token: OPS_TOKEN }).then(
        (r) => r.body.items as DeadLetterItem[],
      );
    expect(await q('queue=identity-sync')).toHaveLength(12);
    expect(await q('type=NotificationRequested')).toHaveLength(5);
    const notifier = await q('queue=notifier');
    expect(new Set(notifier.map((i) => i.fingerprint)).size).toBe(1); // emails normalized away
    expect(await q(`fingerprint=${notifier[0]!.fingerprint}`)).toHaveLength(5);
    expect(await q('status=open')).toHaveLength(17);
    expect(await q('status=replayed')).toHaveLength(0);
    const since = new Date(Date.now() - 6.5 * 60_000).toISOString();
    const until = new Date(Date.now() - 2.5 * 60_000).toISOString();
    expect((await q(`since=${since}&until=${until}`)).map((i) => i.queue)).toEqual(
      Array(4).fill('identity-sync'),
    );
  });

  it('pages with a cursor: every item once, newest first', async () => {
    const seen: DeadLetterItem[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const res = await call('GET', `/api/dead-letters?limit=5${cursor ? `&cursor=${cursor}` : ''}`, {
        token: OPS_TOKEN,
      });
      expect(res.status).toBe(200);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
      pages++;
    }
    expect(pages).toBe(4);
    expect(new Set(seen.map((i) => i.id)).size).toBe(17);
    const times = seen.map((i) => i.deadLetteredAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(Object.keys(seen[0]!)).toEqual(
      expect.arrayContaining([
        'id',
        'queue',
        'messageId',
        'messageType',
        'routingKey',
        'error',
        'fingerprint',
        'attempts',
        'status',
        'deadLetteredAt',
      ]),
    );
  });

  it('answers 400 for bad filters, cursors and ids, 404 for unknown ids', async () => {
    for (const path of [
      '/api/dead-letters?queu=x',
      '/api/dead-letters?status=done',
      '/api/dead-letters?since=yesterday',
      '/api/dead-letters?cursor=zzz',
      '/api/dead-letters?limit=0',
      '/api/dead-letters/not-a-uuid',
    ]) {
      expect((await call('GET', path, { token: OPS_TOKEN })).status, path).toBe(400);
    }
    expect((await call('GET', `/api/dead-letters/${randomUUID()}`, { token: OPS_TOKEN })).status).toBe(404);
    expect(
      (await call('POST', `/api/dead-letters/${randomUUID()}/replay`, { token: OPS_TOKEN })).status,
    ).toBe(404);
  });

  it('shows one dead letter with headers and pretty body, groups, stats and the OpenAPI document', async () => {
    const [first] = (await call('GET', '/api/dead-letters?queue=notifier&limit=1', { token: OPS_TOKEN })).body
      .items;
    const detail = (await call('GET', `/api/dead-letters/${first.id}`, { token: OPS_TOKEN })).body;
    expect(detail.headers['x-service']).toBe('notifier');
    expect(detail.body.json).toMatchObject({ type: 'NotificationRequested' });
    expect(Buffer.from(detail.body.base64, 'base64').toString()).toBe(detail.body.text);
    const groups = (await call('GET', '/api/dead-letters/groups', { token: OPS_TOKEN })).body.items;
    expect(groups.map((g: { queue: string; count: number }) => [g.queue, g.count]).sort()).toEqual([
      ['identity-sync', 12],
      ['notifier', 5],
    ]);
    const stats = (await call('GET', '/api/stats', { token: OPS_TOKEN })).body;
    expect(stats.deadLetters).toMatchObject({
      total: 17,
      byStatus: { open: 17 },
      openByQueue: { 'identity-sync': 12, notifier: 5 },
    });
    expect(stats.queues).toEqual(
      expect.arrayContaining([
        {
          queue: 'identity-sync',
          work: { messages: 0, consumers: 0 },
          retry: { messages: 0 },
          dead: { messages: 0 },
        },
      ]),
    );
    const doc = (await call('GET', '/api/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/dead-letters/{id}/replay');
  });
});

describe('actions', () => {
  it('replays one (confirmed to the original exchange), refuses it again unless forced, and discards', async () => {
    const [item] = (await call('GET', '/api/dead-letters?queue=identity-sync&limit=1', { token: OPS_TOKEN }))
      .body.items;
    const replayed = await call('POST', `/api/dead-letters/${item.id}/replay`, { token: operatorJwt });
    expect(replayed.body).toMatchObject({ id: item.id, status: 'replayed', replayCount: 1 });
    expect(await queueDepth(h.vhost.url, QUEUES.identitySync)).toBe(1); // no worker runs here: it waits in the work queue
    const again = await call('POST', `/api/dead-letters/${item.id}/replay`, { token: operatorJwt });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already_replayed');
    expect(
      (
        await call('POST', `/api/dead-letters/${item.id}/replay`, {
          token: operatorJwt,
          body: { force: true },
        })
      ).body.replayCount,
    ).toBe(2);
    const audit = await h.prisma.auditLog.findMany({ where: { deadLetterIds: { has: item.id } } });
    expect(audit.map((a) => a.actor)).toEqual(['oidc:ada (ada)', 'oidc:ada (ada)']);
    expect((await call('POST', `/api/dead-letters/${item.id}/discard`, { token: OPS_TOKEN })).status).toBe(
      409,
    );
  });

  it('refuses to replay a dead letter to an exchange the topology does not use for its queue (409, nothing published)', async () => {
    const forged = deadLetter(QUEUES.identitySync, 'KratosIdentityUpdated', 1, 'forged route');
    forged.headers['x-original-exchange'] = 'identity.changes';
    forged.headers['x-original-routing-key'] = 'identity.updated';
    await h.archive.store(forged);
    const row = await h.prisma.deadLetter.findFirstOrThrow({ where: { error: 'forged route' } });
    const before = await queueDepth(h.vhost.url, QUEUES.subscribers);
    const res = await call('POST', `/api/dead-letters/${row.id}/replay`, { token: OPS_TOKEN });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('route_not_allowed');
    expect(await queueDepth(h.vhost.url, QUEUES.subscribers)).toBe(before);
    expect((await h.prisma.deadLetter.findUniqueOrThrow({ where: { id: row.id } })).status).toBe('open');
    await h.prisma.deadLetter.delete({ where: { id: row.id } });
  });

  it('bulk: the dry-run count equals the real run, for discard and replay', async () => {
    const filter = { queue: 'notifier' };
    const dryDiscard = await call('POST', '/api/dead-letters/discard', {
      token: OPS_TOKEN,
      body: {
        filter: { ...filter, until: new Date(Date.now() - 102.5 * 60_000).toISOString() },
        dryRun: true,
      },
    });
    expect(dryDiscard.body).toMatchObject({ dryRun: true, count: 2 });
    expect(dryDiscard.body.sample).toHaveLength(2);
    const discard = await call('POST', '/api/dead-letters/discard', {
      token: OPS_TOKEN,
      body: { filter: dryDiscard.body.filter, dryRun: false },
    });
    expect(discard.body).toMatchObject({ dryRun: false, count: dryDiscard.body.count, failed: [] });

    const dry = await call('POST', '/api/dead-letters/replay', {
      token: OPS_TOKEN,
      body: { filter, dryRun: true },
    });
    expect(dry.body.count).toBe(5); // 3 open + 2 discarded: discarded ones may be replayed
    const real = await call('POST', '/api/dead-letters/replay', {
      token: OPS_TOKEN,
      body: { filter, dryRun: false },
    });
    expect(real.body.count).toBe(dry.body.count);
    expect(await queueDepth(h.vhost.url, QUEUES.notifier)).toBe(5);
    expect(
      (await call('POST', '/api/dead-letters/replay', { token: OPS_TOKEN, body: { filter, dryRun: true } }))
        .body.count,
    ).toBe(0);
    const audit = await h.prisma.auditLog.findFirstOrThrow({ where: { action: 'replay', count: 5 } });
    expect(audit).toMatchObject({ actor: 'ops-token', filter: { queue: 'notifier' } });
  });

  it('refuses a bulk request without an explicit dryRun or with an unknown filter key', async () => {
    expect(
      (await call('POST', '/api/dead-letters/replay', { token: OPS_TOKEN, body: { filter: {} } })).status,
    ).toBe(400);
    expect(
      (
        await call('POST', '/api/dead-letters/discard', {
          token: OPS_TOKEN,
          body: { filter: { queue: 'x', typo: 1 }, dryRun: true },
        })
      ).status,
    ).toBe(400);
  });
});
