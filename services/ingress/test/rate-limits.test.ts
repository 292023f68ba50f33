// Who the ingress slows down, against a real ingress on a real broker vhost (no mocks).
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { whoamiIdentity } from '@identity-relay/contracts/fixtures';
import { KEYS, startIngress, type IngressHarness } from './ingress-harness.js';

function identityBody(n: number): string {
  return JSON.stringify({
    identity: { ...whoamiIdentity, id: `7f1c0a4e-3d2b-4c1a-9e8f-${String(n).padStart(12, '0')}` },
  });
}

function post(
  ing: IngressHarness,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${ing.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

describe('authenticated IdP traffic is never throttled by default', () => {
  let ing: IngressHarness;
  beforeAll(async () => {
    ing = await startIngress();
  });
  afterAll(async () => ing?.dispose());

  test('4,000 Kratos webhooks from one address with the right key, 200 at a time: every one 200, no 429', async () => {
    const total = 4000;
    const concurrency = 200;
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const n = next++;
          const res = await post(ing, '/kratos/sync-identity', identityBody(n), { 'x-api-key': KEYS.kratos });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    expect(Object.fromEntries(statuses)).toEqual({ 200: total });
    expect(ing.published.length).toBe(total);
  }, 120_000);
});

describe('failed authentication is limited per client address', () => {
  let ing: IngressHarness;
  beforeAll(async () => {
    ing = await startIngress({ env: { AUTH_FAILURES_PER_MINUTE: '3' } });
  });
  afterAll(async () => ing?.dispose());

  test('after 3 failures every route answers failures 429 with Retry-After, /notifications included; the right key still passes', async () => {
    const statuses: number[] = [];
    for (const path of [
      '/authentik/webhook',
      '/hooks/pre-login',
      '/kratos/sync-identity',
      '/notifications',
    ]) {
      const res = await post(ing, path, '{}', { 'x-api-key': 'wrong-key' });
      statuses.push(res.status);
    }
    const last = await post(ing, '/kratos/validate-registration', '{}');
    statuses.push(last.status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    const valid = await post(ing, '/kratos/sync-identity', identityBody(1), { 'x-api-key': KEYS.kratos });
    expect(valid.status).toBe(200);
    const notify = await post(
      ing,
      '/notifications',
      JSON.stringify({ topic: 'news', list: 'educators', subject: 'hi', text: 'hello' }),
      { authorization: `Bearer ${KEYS.notify}` },
    );
    expect(notify.status).toBe(202);
    const metrics = await (await fetch(`${ing.base}/metrics`)).text();
    expect(metrics).toMatch(/identity_relay_ingress_refused_total\{reason="auth_failures"[^}]*\} 2/);
  });
});

describe('X-Forwarded-For is believed only through TRUST_PROXY hops', () => {
  test('TRUST_PROXY=0: a forged X-Forwarded-For does not buy a fresh allowance', async () => {
    const ing = await startIngress({ env: { AUTH_FAILURES_PER_MINUTE: '2' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await post(ing, '/authentik/webhook', '{}', { 'x-forwarded-for': `198.51.100.${i}` });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 429, 429]);
    } finally {
      await ing.dispose();
    }
  });

  test('TRUST_PROXY=1: failures count against the client the proxy names, not the proxy', async () => {
    const ing = await startIngress({ env: { AUTH_FAILURES_PER_MINUTE: '2', TRUST_PROXY: '1' } });
    try {
      const from = (client: string) => post(ing, '/hooks/pre-signup', '{}', { 'x-forwarded-for': client });
      const attacker = [];
      for (let i = 0; i < 3; i++) attacker.push((await from('203.0.113.7')).status);
      expect(attacker).toEqual([401, 401, 429]);
      // Behind the same proxy, another client is unaffected; a spoofed left-most entry is ignored.
      expect((await from('203.0.113.8')).status).toBe(401);
      expect((await from('10.9.9.9, 203.0.113.7')).status).toBe(429);
    } finally {
      await ing.dispose();
    }
  });
});

describe('optional per-credential quota', () => {
  test('RATE_LIMIT_PER_SECOND=1, RATE_LIMIT_BURST=2: the third call of one credential gets 429, another credential is separate', async () => {
    const ing = await startIngress({ env: { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '2' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await post(ing, '/kratos/sync-identity', identityBody(i), { 'x-api-key': KEYS.kratos });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      const hook = await post(ing, '/hooks/pre-login', JSON.stringify({ provider: 'email', data: {} }), {
        'x-api-key': KEYS.hooks,
      });
      expect(hook.status).toBe(200);
    } finally {
      await ing.dispose();
    }
  });
});

describe('refusing before the body', () => {
  let ing: IngressHarness;
  beforeAll(async () => {
    ing = await startIngress();
  });
  afterAll(async () => ing?.dispose());

  test('wrong credentials with a body still to come: 401 at once and the connection is closed, the body never awaited', async () => {
    const { port, hostname } = new URL(ing.base);
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(
      'POST /kratos/sync-identity HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'X-Api-Key: wrong\r\nContent-Length: 1000000\r\n\r\n{"identity":',
    );
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 401 /);
    expect(received.toLowerCase()).toContain('connection: close');
  });
});

describe('refusals do not flood the log', () => {
  test('100 unauthenticated requests: no log line at info, all counted in identity_relay_ingress_requests_total', async () => {
    const ing = await startIngress({ logLevel: 'info', env: { AUTH_FAILURES_PER_MINUTE: '1000' } });
    try {
      for (let i = 0; i < 100; i++) {
        const res = await post(ing, '/kratos/sync-identity', '{}', { 'x-api-key': 'wrong' });
        expect(res.status).toBe(401);
      }
      const noBody = await fetch(`${ing.base}/notifications`, {
        method: 'POST',
        headers: { 'x-api-key': KEYS.notify },
      });
      expect(noBody.status).toBe(415);
      expect(ing.logs.filter((l) => l.includes('"request"'))).toEqual([]);
      const metrics = await (await fetch(`${ing.base}/metrics`)).text();
      expect(metrics).toMatch(/identity_relay_ingress_requests_total\{[^}]*status="401"[^}]*\} 100/);
    } finally {
      await ing.dispose();
    }
  });
});
