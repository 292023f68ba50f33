import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { QUEUES } from '@identity-relay/bus';
import { queueDepth } from '@identity-relay/bus/testing';
import { whoamiIdentity } from '@identity-relay/contracts/fixtures';
import { startIngress, KEYS, type IngressHarness } from './ingress-harness.js';

let ing: IngressHarness;
beforeAll(async () => {
  ing = await startIngress();
});
afterAll(async () => ing?.dispose());

const NIL = '00000000-0000-0000-0000-000000000000';
const identity = (traits: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  ...whoamiIdentity,
  id: NIL,
  traits,
  metadata_public: null,
  ...over,
});

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${ing.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': KEYS.kratos, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

type Messages = {
  messages: Array<{
    instance_ptr: string;
    messages: Array<{ id: number; text: string; type: string; context?: { code?: string } }>;
  }>;
};

describe('POST /kratos/validate-registration', () => {
  test('204 when the policy accepts and grants no role', async () => {
    const res = await post('/kratos/validate-registration', {
      identity: identity({ email: 'a@x.example.org', user_type: 'student' }),
    });
    expect(res.status).toBe(204);
  });

  test('200 with identity.metadata_public.roles when the policy grants roles to a verified address, keeping existing metadata', async () => {
    const res = await post('/kratos/validate-registration', {
      identity: identity(
        { email: 'ada@school.edu', user_type: 'educator', type: 'merchant' },
        {
          metadata_public: { plan: 'free' },
          verifiable_addresses: [
            { value: 'Ada@School.edu', verified: true, via: 'email', status: 'completed' },
          ],
        },
      ),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      identity: { metadata_public: { plan: 'free', roles: ['teacher', 'merchant'] } },
    });
  });

  test('an unverified school.edu address gets no teacher role (only trait roles) — anyone can type it', async () => {
    for (const addresses of [
      undefined,
      [{ value: 'mallory@school.edu', verified: false, via: 'email', status: 'sent' }],
    ]) {
      const res = await post('/kratos/validate-registration', {
        identity: identity(
          { email: 'mallory@school.edu', user_type: 'educator', type: 'merchant' },
          addresses ? { verifiable_addresses: addresses } : {},
        ),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ identity: { metadata_public: { roles: ['merchant'] } } });
    }
  });

  test.each([
    [{ email: 'a@gmail.com', user_type: 'x' }, '#/traits/email', 'domain-not-allowed', 4100002],
    [{ email: 'a@mailinator.com', user_type: 'x' }, '#/traits/email', 'domain-blocked', 4100003],
    [{ email: 'nope', user_type: 'x' }, '#/traits/email', 'invalid-email', 4100001],
    [
      { email: 'a@school.edu', username: 'Bad Name', user_type: 'x' },
      '#/traits/username',
      'invalid-username',
      4100004,
    ],
    [{ email: 'a@school.edu' }, '#/traits/user_type', 'missing-trait', 4100005],
  ])('%j → 403 Kratos messages at %s (%s), never published', async (traits, ptr, code, id) => {
    const res = await post('/kratos/validate-registration', { identity: identity(traits) });
    expect(res.status).toBe(403);
    const body = (await res.json()) as Messages;
    expect(body.messages).toHaveLength(1);
    expect(body.messages[0]!.instance_ptr).toBe(ptr);
    expect(body.messages[0]!.messages[0]).toMatchObject({ id, type: 'error', context: { code } });
    expect(Number.isInteger(body.messages[0]!.messages[0]!.id)).toBe(true);
  });

  test('malformed and unauthenticated requests also get 4xx Kratos messages bodies', async () => {
    for (const [res, status] of [
      [await post('/kratos/validate-registration', '{"identity":'), 400],
      [await post('/kratos/validate-registration', { identity: { id: NIL } }), 422],
      [
        await post('/kratos/validate-registration', { identity: identity({}) }, { 'x-api-key': 'wrong' }),
        401,
      ],
      [await post('/kratos/validate-registration', 'x', { 'content-type': 'text/plain' }), 415],
    ] as const) {
      expect(res.status).toBe(status);
      const body = (await res.json()) as Messages;
      expect(body.messages[0]!.messages[0]!.type).toBe('error');
      expect(Number.isInteger(body.messages[0]!.messages[0]!.id)).toBe(true);
    }
  });

  test('a registration refused by policy never reaches the broker', async () => {
    await post('/kratos/validate-registration', {
      identity: identity({ email: 'a@gmail.com', user_type: 'x' }),
    });
    expect(ing.published).toHaveLength(0);
    expect(await queueDepth(ing.vhostUrl, QUEUES.identitySync)).toBe(0);
  });
});

describe('POST /kratos/sync-identity idempotency and pre-persist identities', () => {
  test('the same Ory-Webhook-Trigger-ID publishes the same message id; a new trigger a new one', async () => {
    const trigger = { 'ory-webhook-trigger-id': '5c0d7f1e-4b9a-4f3c-9d2e-1a2b3c4d5e6f' };
    const a = (await (await post('/kratos/sync-identity', { identity: whoamiIdentity }, trigger)).json()) as {
      id: string;
    };
    const b = (await (await post('/kratos/sync-identity', { identity: whoamiIdentity }, trigger)).json()) as {
      id: string;
    };
    const c = (await (
      await post('/kratos/sync-identity', { identity: whoamiIdentity }, { 'ory-webhook-trigger-id': 'other' })
    ).json()) as { id: string };
    const d = (await (await post('/kratos/sync-identity', { identity: whoamiIdentity })).json()) as {
      id: string;
    };
    expect(a.id).toBe(b.id);
    expect(c.id).not.toBe(a.id);
    expect(d.id).not.toBe(a.id);
    expect(ing.published.slice(-4).map((p) => p.messageId)).toEqual([a.id, a.id, c.id, d.id]);
  });

  test('the nil UUID (a parse:true pre-persist hook) is refused with 422 and a clear message', async () => {
    const before = ing.published.length;
    const res = await post('/kratos/sync-identity', { identity: identity({ email: 'a@school.edu' }) });
    expect(res.status).toBe(422);
    const body = (await res.json()) as Messages;
    expect(body.messages[0]!.messages[0]!.text).toMatch(/nil UUID.*response\.parse/);
    expect(ing.published.length).toBe(before);
  });

  test('an identity without credentials and metadata_admin is accepted (ctx.identity never has them)', async () => {
    const {
      credentials: _c,
      metadata_admin: _m,
      ...bare
    } = whoamiIdentity as unknown as Record<string, unknown>;
    expect((await post('/kratos/sync-identity', { identity: bare })).status).toBe(200);
  });

  test('every response carries a request id; a usable X-Request-Id is echoed', async () => {
    const own = await post(
      '/kratos/sync-identity',
      { identity: whoamiIdentity },
      { 'x-request-id': 'req-123' },
    );
    expect(own.headers.get('x-request-id')).toBe('req-123');
    const bad = await post('/kratos/sync-identity', '{', { 'x-request-id': 'evil\u00e9 value' });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await fetch(`${ing.base}/nope`)).headers.get('x-request-id')).toBeTruthy();
  });
});
