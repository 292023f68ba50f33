import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '@identity-relay/runtime';
import { createPolicyStore, type PolicyStore } from '../src/policy/store.js';
import { EXAMPLE_POLICY, KEYS, startIngress, type IngressHarness } from './ingress-harness.js';

let ing: IngressHarness;
let policy: PolicyStore;
const file = join(mkdtempSync(join(tmpdir(), 'policy-')), 'policy.yaml');

beforeAll(async () => {
  writeFileSync(file, EXAMPLE_POLICY);
  policy = await createPolicyStore({
    file,
    logger: createLogger({ service: 'hooks-test', level: 'silent' }),
  });
  ing = await startIngress({ policy });
});
afterAll(async () => ing?.dispose());

function hook(kind: 'signup' | 'login', body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${ing.base}/hooks/pre-${kind}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': KEYS.hooks, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('POST /hooks/pre-signup and /hooks/pre-login (seed 004)', () => {
  test('signup accepted with roles; login accepted with {} (Bearer works too)', async () => {
    const res = await hook('signup', {
      provider: 'email',
      data: {
        email: 'ada@school.edu',
        email_verified: true,
        password: 'x',
        user_type: 'educator',
        type: 'merchant',
      },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ roles: ['teacher', 'merchant'] });
    const unverified = await hook('signup', {
      provider: 'email',
      data: { email: 'mallory@school.edu', password: 'x', user_type: 'educator', type: 'merchant' },
    });
    expect(await unverified.json()).toEqual({ roles: ['merchant'] });
    const login = await hook(
      'login',
      { provider: 'email', data: { email: 'ada@school.edu', password: 'x' } },
      { 'x-api-key': '', authorization: `Bearer ${KEYS.hooks}` },
    );
    expect(login.status).toBe(200);
    expect(await login.json()).toEqual({});
  });

  test.each([
    ['signup', { provider: 'email', data: { email: 'a@gmail.com', user_type: 'x' } }, 'domain-not-allowed'],
    ['signup', { provider: 'email', data: { email: 'a@mailinator.com', user_type: 'x' } }, 'domain-blocked'],
    ['signup', { provider: 'email', data: { email: 'bad', user_type: 'x' } }, 'invalid-email'],
    ['signup', { provider: 'username', data: { username: 'A!', user_type: 'x' } }, 'invalid-username'],
    ['signup', { provider: 'email', data: { email: 'a@school.edu' } }, 'missing-trait'],
    ['login', { provider: 'email', data: { email: 'a@mailinator.com' } }, 'domain-blocked'],
  ] as const)('%s %j → 403 {code: %s, message}', async (kind, body, code) => {
    const res = await hook(kind, body);
    expect(res.status).toBe(403);
    const json = (await res.json()) as { code: string; message: string };
    expect(json.code).toBe(code);
    expect(json.message.length).toBeGreaterThan(0);
  });

  test.each([
    ['malformed JSON', '{"provider":', {}, 400, 'malformed-json'],
    ['no data', { provider: 'email' }, {}, 422, 'invalid-request'],
    ['data not an object', { provider: 'email', data: 'x' }, {}, 422, 'invalid-request'],
    ['wrong key', { provider: 'email', data: {} }, { 'x-api-key': 'nope' }, 401, 'unauthorized'],
    ['wrong content type', 'x', { 'content-type': 'text/plain' }, 415, 'unsupported-media-type'],
    ['too large', { provider: 'email', data: { blob: 'x'.repeat(70_000) } }, {}, 413, 'payload-too-large'],
  ])('malformed request (%s) → %i {code, message}', async (_n, body, headers, status, code) => {
    const res = await hook('signup', body, headers as Record<string, string>);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ code, message: expect.any(String) });
  });

  test('SIGHUP-style reload: a valid new file takes effect, an invalid one keeps the last good policy', async () => {
    const body = { provider: 'email', data: { email: 'a@gmail.com', user_type: 'x' } };
    writeFileSync(file, 'email: { allowDomains: [gmail.com] }\n');
    expect(await policy.reload()).toBe(true);
    expect((await hook('signup', body)).status).toBe(200);
    writeFileSync(file, 'email: { allowDomains: "not a list" }\n');
    expect(await policy.reload()).toBe(false);
    expect((await hook('signup', body)).status).toBe(200);
    writeFileSync(file, EXAMPLE_POLICY);
    expect(await policy.reload()).toBe(true);
    expect((await hook('signup', body)).status).toBe(403);
  });

  test('infra/policy.example.yaml is a valid policy', async () => {
    const example = new URL('../../../infra/policy.example.yaml', import.meta.url).pathname;
    const store = await createPolicyStore({
      file: example,
      logger: createLogger({ service: 'hooks-test', level: 'silent' }),
    });
    expect(store.current().policy.email?.allowDomains).toContain('school.edu');
  });

  test('policy hooks never publish', () => {
    expect(ing.published).toHaveLength(0);
  });
});
