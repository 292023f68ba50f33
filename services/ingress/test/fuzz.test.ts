// Property-based fuzzing of every ingress route against a real broker: hostile bodies, headers and encodings
// never produce a 5xx, a crash, a hang or a published message; valid requests publish exactly one.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { QUEUES } from '@identity-relay/bus';
import { drainQueue } from '@identity-relay/bus/testing';
import { whoamiIdentity } from '@identity-relay/contracts/fixtures';
import { KEYS, startIngress, type IngressHarness } from './ingress-harness.js';

let ing: IngressHarness;
beforeAll(async () => {
  ing = await startIngress();
});
afterAll(async () => ing?.dispose());

const ROUTES = [
  { path: '/kratos/sync-identity', auth: { 'x-api-key': KEYS.kratos }, publishes: true },
  { path: '/kratos/validate-registration', auth: { 'x-api-key': KEYS.kratos }, publishes: false },
  { path: '/authentik/webhook', auth: { authorization: `Bearer ${KEYS.authentik}` }, publishes: true },
  { path: '/hooks/pre-signup', auth: { 'x-api-key': KEYS.hooks }, publishes: false },
  { path: '/hooks/pre-login', auth: { authorization: `Bearer ${KEYS.hooks}` }, publishes: false },
  { path: '/notifications', auth: { 'x-api-key': KEYS.notify }, publishes: true },
] as const;

/** Bodies that are wrong in every way we can think of: not JSON, not UTF-8, wrong shapes, huge, deep. */
const hostileBody = fc.oneof(
  fc.string().map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc
    .jsonValue({ maxDepth: 3 })
    .map((v) =>
      Buffer.from(JSON.stringify({ identity: v, event_type: v, pk: v, body: v, provider: v, data: v })),
    ),
  fc
    .record({
      identity: fc.record(
        { id: fc.oneof(fc.string(), fc.integer()), traits: fc.jsonValue() },
        { requiredKeys: [] },
      ),
    })
    .map((v) => Buffer.from(JSON.stringify(v))),
  fc.integer({ min: 65, max: 5000 }).map((n) => Buffer.from(`{"a":${'['.repeat(n)}${']'.repeat(n)}}`)),
  fc
    .constantFrom(
      '',
      ' ',
      'null',
      '[]',
      '{}',
      '{"__proto__":{"x":1}}',
      '\uFEFF{}',
      '{"identity":{"id":"00000000-0000-0000-0000-000000000000","traits":{}}}',
    )
    .map((s) => Buffer.from(s)),
  fc.constant(
    Buffer.from(JSON.stringify({ identity: { ...whoamiIdentity, traits: { blob: 'x'.repeat(70_000) } } })),
  ),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=klingon',
  'application/merge-patch+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
  'application/json;;;',
);

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 80,
});

const headers = fc.record(
  {
    auth: fc.boolean(),
    junkAuth: fc.oneof(fc.constant(undefined), printable),
    encoding: fc.constantFrom(undefined, 'gzip', 'gzip-bad', 'br', 'identity', 'compress'),
    requestId: fc.oneof(fc.constant(undefined), printable),
    webhookId: fc.oneof(fc.constant(undefined), printable),
    webhookSig: fc.oneof(
      fc.constant(undefined),
      printable.map((s) => `v1,${s}`),
    ),
    trigger: fc.oneof(fc.constant(undefined), printable),
  },
  { requiredKeys: ['auth', 'encoding'] },
);

type Headers = typeof headers extends fc.Arbitrary<infer T> ? T : never;

async function send(route: (typeof ROUTES)[number], body: Buffer, type: string, h: Headers) {
  const out: Record<string, string> = {};
  if (type !== '') out['content-type'] = type;
  if (h.auth) Object.assign(out, route.auth);
  else if (h.junkAuth !== undefined) out.authorization = `Bearer ${h.junkAuth}`;
  let payload = body;
  if (h.encoding === 'gzip') payload = gzipSync(body);
  if (h.encoding !== undefined) out['content-encoding'] = h.encoding === 'gzip-bad' ? 'gzip' : h.encoding;
  if (h.requestId !== undefined) out['x-request-id'] = h.requestId;
  if (h.webhookId !== undefined) out['webhook-id'] = h.webhookId;
  if (h.webhookSig !== undefined) out['webhook-signature'] = h.webhookSig;
  if (h.webhookId !== undefined) out['webhook-timestamp'] = String(Math.floor(Date.now() / 1000));
  if (h.trigger !== undefined) out['ory-webhook-trigger-id'] = h.trigger;
  return fetch(`${ing.base}${route.path}`, {
    method: 'POST',
    headers: out,
    body: payload,
    signal: AbortSignal.timeout(5000),
  });
}

// Hundreds of real requests each: on a loaded two-core machine they may need more than the default 60 s.
const FUZZ_TIMEOUT_MS = 180_000;

describe('fuzz: every route', () => {
  test.each(ROUTES.map((r) => [r.path, r] as const))(
    '%s: hostile input never 5xx or hangs; nothing is published unless accepted (200, at most one)',
    async (_p, route) => {
      await fc.assert(
        fc.asyncProperty(hostileBody, contentType, headers, async (body, type, h) => {
          const before = ing.published.length;
          const res = await send(route, body, type, h);
          const text = await res.text();
          expect(res.status, text).toBeLessThan(500);
          expect(res.headers.get('x-request-id')).toBeTruthy();
          const delta = ing.published.length - before;
          if (res.status >= 300 || !route.publishes) expect(delta).toBe(0);
          else {
            expect(delta).toBeLessThanOrEqual(1);
            // Only a request answered with a message id published; an ignored one (Authentik) did not.
            expect(delta === 1).toBe(typeof (JSON.parse(text) as { id?: unknown }).id === 'string');
          }
        }),
        { numRuns: 300 },
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  test(
    'a valid body under any accepted JSON content type publishes exactly one message',
    async () => {
      const kratos = fc.record({
        id: fc.uuid(),
        traits: fc.record({
          email: fc.emailAddress(),
          name: fc.record({ first: fc.string(), last: fc.string() }),
        }),
        state: fc.constantFrom('active', 'inactive'),
        metadata_public: fc.constantFrom(null, { plan: 'x' }),
      });
      const authentik = fc.oneof(
        fc.record({
          event_type: fc.constantFrom('model_created', 'model_updated', 'model_deleted'),
          pk: fc.integer({ min: 1, max: 1e9 }),
        }),
        fc.record({
          event_type: fc.constantFrom('model_created', 'model_deleted'),
          pk: fc.integer({ min: 1 }),
          event_pk: fc.uuid(),
          created: fc
            .date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
            .map((d) => d.toISOString()),
          app: fc.constant('authentik_core'),
          model_name: fc.constant('user'),
        }),
        fc
          .tuple(fc.constantFrom('model_created', 'model_updated'), fc.integer({ min: 1 }), fc.string())
          .map(([a, pk, name]) => ({
            body: `${a}: {'model': {'app': 'authentik_core', 'model_name': 'user', 'pk': ${pk}, 'name': ${JSON.stringify(name)}}, 'http_request': {'args': {}}}`,
            severity: 'notice',
          })),
      );
      const type = fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'application/cloudevents+json',
      );
      const gz = fc.boolean();
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            kratos.map((identity) => ['kratos', { identity }] as const),
            authentik.map((b) => ['authentik', b] as const),
          ),
          type,
          gz,
          async ([kind, body], t, zip) => {
            const route = ROUTES[kind === 'kratos' ? 0 : 2];
            const before = ing.published.length;
            const res = await send(route, Buffer.from(JSON.stringify(body)), t, {
              auth: true,
              encoding: zip ? 'gzip' : undefined,
            });
            expect(res.status, await res.text()).toBe(200);
            expect(ing.published.length - before).toBe(1);
          },
        ),
        { numRuns: 200 },
      );
      // Every confirmed publish is really on the broker.
      expect(await drainQueue(ing.vhostUrl, QUEUES.identitySync)).toHaveLength(
        ing.published.filter((p) => p.type !== 'NotificationRequested').length,
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});
