import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { drainQueue, readQueue } from '@identity-relay/bus/testing';
import { QUEUES } from '@identity-relay/bus';
import { signingKey, signStandardWebhook } from '../src/http/standard-webhooks.js';
import { KEYS, SIGNING_SECRET, startIngress, type IngressHarness } from './ingress-harness.js';

let ing: IngressHarness;
beforeAll(async () => {
  ing = await startIngress({ env: { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '1000' } });
});
afterAll(async () => ing?.dispose());

const summary = (action: string, model = 'user', pk: number | string = 12) =>
  `${action}: {'model': {'app': 'authentik_core', 'model_name': '${model}', 'pk': ${pk}, 'name': 'Jane Doe'}, ` +
  `'http_request': {'path': '/api/v3/core/users/', 'method': 'POST', 'args': {}, 'user_agent': 'Mozilla/5.0', 'request_id': 'r-${Math.random()}'}}`;
const defaultBody = (body: string) => ({
  body,
  severity: 'notice',
  user_email: 'admin@example.com',
  user_username: 'akadmin',
  event_user_email: null,
  event_user_username: null,
});

function post(
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${KEYS.authentik}` },
) {
  return fetch(`${ing.base}/authentik/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('POST /authentik/webhook', () => {
  test('seed 001 mapping {event_type, pk} → AuthentikUserChanged on authentik.user.created', async () => {
    const res = await post({ event_type: 'model_created', pk: 1 });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    const [msg] = await readQueue(ing.vhostUrl, QUEUES.identitySync, { count: 1, timeoutMs: 3000 });
    expect(msg?.properties.messageId).toBe(id);
    expect(msg?.routingKey).toBe('authentik.user.created');
    expect(JSON.parse(msg!.content.toString())).toMatchObject({
      type: 'AuthentikUserChanged',
      subject: '1',
      data: { action: 'created', pk: 1 },
    });
  });

  test("Authentik's default body (Python repr summary) → deleted; the recommended mapping carries event id and time", async () => {
    expect((await post(defaultBody(summary('model_deleted', 'user', 7)))).status).toBe(200);
    const mapped = {
      event_type: 'model_updated',
      pk: 8,
      app: 'authentik_core',
      model_name: 'user',
      event_pk: 'e6f0d9b2-0000-4000-8000-000000000001',
      created: '2026-05-01T10:00:00.123456+00:00',
    };
    expect((await post(mapped)).status).toBe(200);
    const msgs = await readQueue(ing.vhostUrl, QUEUES.identitySync, { count: 2, timeoutMs: 3000 });
    const events = msgs.map((m) => JSON.parse(m.content.toString()));
    expect(events[0]).toMatchObject({ data: { action: 'deleted', pk: 7 } });
    expect(events[1]).toMatchObject({
      time: '2026-05-01T10:00:00.123456Z',
      data: { action: 'updated', pk: 8, eventId: mapped.event_pk },
    });
  });

  test('duplicates get the same message id: same event id, same default body', async () => {
    const mapped = { event_type: 'model_created', pk: 9, event_pk: 'dup-1' };
    const a = (await (await post(mapped)).json()) as { id: string };
    const b = (await (await post({ ...mapped, created: null })).json()) as { id: string };
    const body = defaultBody(summary('model_created', 'user', 10));
    const c = (await (await post(body)).json()) as { id: string };
    const d = (await (await post(body)).json()) as { id: string };
    const e = (await (await post(defaultBody(summary('model_created', 'user', 10)))).json()) as {
      id: string;
    };
    expect(a.id).toBe(b.id);
    expect(c.id).toBe(d.id);
    expect(e.id).not.toBe(c.id);
    await drainQueue(ing.vhostUrl, QUEUES.identitySync); // for the tests after
  });

  test.each([
    ['another action', { event_type: 'login', pk: null }],
    ['seed 001 pk None', { event_type: 'model_created', pk: null }],
    [
      'another model (mapping)',
      { event_type: 'model_created', pk: 3, model_name: 'group', app: 'authentik_core' },
    ],
    ['another model (default body)', defaultBody(summary('model_created', 'group', "'9a0b'"))],
    ['a plain notification', defaultBody('Something happened')],
  ])('%s → 200 ignored, nothing published', async (_n, body) => {
    const before = ing.published.length;
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ignored: true });
    expect(ing.published.length).toBe(before);
  });

  test.each([
    ['an array', []],
    ['neither shape', { hello: 'world' }],
    ['pk a string', { event_type: 'model_created', pk: '12' }],
    ['body not a string', { body: 1, severity: 'notice' }],
  ])('%s → 422, nothing published', async (_n, body) => {
    const before = ing.published.length;
    expect((await post(body)).status).toBe(422);
    expect(ing.published.length).toBe(before);
  });

  test('a user pk above 2^53 is refused with 422 in both body shapes, never ignored or rounded', async () => {
    const before = ing.published.length;
    const mapped = await post('{"event_type":"model_created","pk":9007199254740993}');
    expect(mapped.status).toBe(422);
    const summary = `model_created: {'model': {'app': 'authentik_core', 'model_name': 'user', 'pk': 9007199254740993}}`;
    const fallback = await post(defaultBody(summary));
    expect(fallback.status).toBe(422);
    expect(await fallback.text()).toContain('2^53');
    expect(ing.published.length).toBe(before);
  });

  test('no or a wrong token → 401', async () => {
    expect((await post({ event_type: 'model_created', pk: 1 }, {})).status).toBe(401);
    expect(
      (await post({ event_type: 'model_created', pk: 1 }, { authorization: 'Bearer nope' })).status,
    ).toBe(401);
  });
});

describe('Standard Webhooks signatures (AUTHENTIK_WEBHOOK_SECRET)', () => {
  const key = signingKey(SIGNING_SECRET);
  const signed = (raw: string, over: { id?: string; ts?: number; sig?: string } = {}) => {
    const id = over.id ?? `msg_${Math.random().toString(36).slice(2)}`;
    const ts = over.ts ?? Math.floor(Date.now() / 1000);
    return {
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': over.sig ?? `v1,bad ${signStandardWebhook(key, id, ts, raw)}`,
    };
  };

  test('a valid signature over the raw bytes authenticates without a token; its id is the idempotency key', async () => {
    const raw = '{"event_type":  "model_created", "pk": 21}';
    const headers = signed(raw, { id: 'msg_one' });
    const res = await post(raw, headers);
    expect(res.status).toBe(200);
    const replay = await post(raw, headers);
    expect(replay.status).toBe(409);
    expect(await replay.json()).toMatchObject({ code: 'replayed' });
  });

  test('10 parallel copies of one signed request: exactly one accepted and published, the other nine 409', async () => {
    const raw = '{"event_type": "model_updated", "pk": 31}';
    const headers = signed(raw, { id: 'msg_parallel' });
    const before = ing.published.length;
    const statuses = await Promise.all(
      Array.from({ length: 10 }, async () => (await post(raw, headers)).status),
    );
    expect(statuses.sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    expect(ing.published.length - before).toBe(1);
  });

  test('re-serialised JSON, an old timestamp or a wrong signature → 401', async () => {
    const raw = '{"event_type":  "model_created", "pk": 22}';
    const headers = signed(raw);
    expect((await post(JSON.stringify(JSON.parse(raw)), headers)).status).toBe(401);
    expect((await post(raw, signed(raw, { ts: Math.floor(Date.now() / 1000) - 301 }))).status).toBe(401);
    expect((await post(raw, signed(raw, { sig: 'v1,AAAA' }))).status).toBe(401);
  });

  test("Svix's header names (svix-id, svix-timestamp, svix-signature) carry the same signature", async () => {
    const raw = '{"event_type": "model_created", "pk": 24}';
    const svix = Object.fromEntries(
      Object.entries(signed(raw, { id: 'msg_svix' })).map(([name, value]) => [
        name.replace('webhook-', 'svix-'),
        value,
      ]),
    );
    expect((await post(raw, svix)).status).toBe(200);
    expect((await post(raw, svix)).status).toBe(409);
    expect((await post(raw, { ...svix, 'svix-signature': 'v1,AAAA' })).status).toBe(401);
  });

  test('a failed delivery (422) does not burn its id: the fixed retry passes', async () => {
    const bad = '{"event_type":"model_created","pk":"x"}';
    const h1 = signed(bad, { id: 'msg_retry' });
    expect((await post(bad, h1)).status).toBe(422);
    const good = '{"event_type":"model_created","pk":23}';
    expect((await post(good, signed(good, { id: 'msg_retry' }))).status).toBe(200);
  });
});
