import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { QUEUES } from '@identity-relay/bus';
import { drainQueue } from '@identity-relay/bus/testing';
import { signUnsubscribeToken } from '@identity-relay/contracts';
import { startIngress, type IngressHarness } from './ingress-harness.js';

// The real ingress on a real vhost; what it publishes is read back from the subscribers queue.

const SECRET = 'new-key,old-key';
let h: IngressHarness;
beforeAll(async () => {
  h = await startIngress({ env: { UNSUBSCRIBE_SECRET: SECRET } });
});
afterAll(() => h?.dispose());
beforeEach(async () => {
  await drainQueue(h.vhostUrl, QUEUES.subscribers); // leftovers of the test before
  h.published.length = 0;
});

const token = (email = 'ada@school.example', key = SECRET) =>
  signUnsubscribeToken(key, { list: 'educators', email });
const oneClick = (t: string, body = 'List-Unsubscribe=One-Click', headers: Record<string, string> = {}) =>
  fetch(`${h.base}/unsubscribe/${t}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
// The ingress answers after the broker confirmed: what it published is in the queue by then, nothing comes later.
const published = () => drainQueue(h.vhostUrl, QUEUES.subscribers);

describe('POST /unsubscribe/{token} (RFC 8058 one-click, no API key: the token is the credential)', () => {
  test('200 and one UnsubscribeRequested on subscriptions/subscription.unsubscribe naming the list and address', async () => {
    const res = await oneClick(token());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('ada@school.example</strong> gets no more emails');
    const [msg, ...more] = await published();
    expect(more).toHaveLength(0);
    expect(msg!.exchange).toBe('subscriptions');
    expect(msg!.routingKey).toBe('subscription.unsubscribe');
    expect(JSON.parse(msg!.content.toString())).toMatchObject({
      type: 'UnsubscribeRequested',
      data: { list: 'educators', email: 'ada@school.example', method: 'one-click' },
    });
  });

  test('a token signed with the older key of a rotation still works; the button of the page is recorded as such', async () => {
    expect(
      (await oneClick(token('old@school.example', 'old-key'), 'List-Unsubscribe=One-Click&via=page')).status,
    ).toBe(200);
    const [msg] = await published();
    expect(JSON.parse(msg!.content.toString()).data).toEqual({
      list: 'educators',
      email: 'old@school.example',
      method: 'page',
    });
  });

  test('a tampered token is 404, a malformed one 400, a token of a retired key 404: nothing published', async () => {
    const good = token();
    const [payload, sig] = good.split('.') as [string, string];
    const forged = Buffer.from('1\nstaff\nada@school.example').toString('base64url');
    expect((await oneClick(`${payload}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`)).status).toBe(404);
    expect((await oneClick(`${forged}.${sig}`)).status).toBe(404);
    expect((await oneClick(token('x@school.example', 'retired-key'))).status).toBe(404);
    expect((await oneClick('garbage')).status).toBe(400);
    expect((await oneClick(`${payload}x.${sig}`)).status).toBe(404);
    expect(h.published).toEqual([]);
    expect(await published()).toHaveLength(0);
  });

  test('413 for a body over 4 KiB, nothing published', async () => {
    expect((await oneClick(token(), 'x'.repeat(5000))).status).toBe(413);
    expect(await published()).toHaveLength(0);
  });
});

describe('GET /unsubscribe/{token}', () => {
  test('shows a confirmation page with a button posting to the same link, and never unsubscribes', async () => {
    const res = await fetch(`${h.base}/unsubscribe/${token()}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<form method="post">');
    expect(html).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
    expect(html).toContain('<button type="submit">Unsubscribe</button>');
    // The token is in the URL: no Referer, no caching, no framing.
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await published()).toHaveLength(0);
  });

  test('an invalid link is an HTML page with 404, and the address in the page is escaped', async () => {
    const res = await fetch(`${h.base}/unsubscribe/${token('x@school.example', 'retired-key')}`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await fetch(`${h.base}/unsubscribe/${token("o'brien&co@school.example")}`);
    expect(await page.text()).toContain('o&#39;brien&#38;co@school.example');
  });
});

test('invalid tokens count as failed authentication of the client address: past AUTH_FAILURES_PER_MINUTE they get 429 with Retry-After; a valid token still passes', async () => {
  const limited = await startIngress({ env: { UNSUBSCRIBE_SECRET: SECRET, AUTH_FAILURES_PER_MINUTE: '10' } });
  try {
    const bad = token('x@school.example', 'retired-key');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${limited.base}/unsubscribe/${bad}`, { method: 'POST' });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(404));
    expect(statuses.slice(10)).toEqual([429, 429]);
    const blocked = await fetch(`${limited.base}/unsubscribe/${bad}`, { method: 'POST' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.published).toEqual([]);
    const valid = await fetch(`${limited.base}/unsubscribe/${token()}`, { method: 'POST' });
    expect(valid.status).toBe(200);
    expect(limited.published.map((p) => p.type)).toEqual(['UnsubscribeRequested']);
  } finally {
    await limited.dispose();
  }
});
