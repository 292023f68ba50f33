import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { buildTopology, connectBus, QUEUES, type Bus } from '@identity-relay/bus';
import { createTestVhost, drainQueue, readQueue } from '@identity-relay/bus/testing';
import { whoamiIdentity } from '@identity-relay/contracts/fixtures';
import {
  createHttpServer,
  createLogger,
  createMetrics,
  httpLimitsOf,
  loadConfig,
} from '@identity-relay/runtime';
import { createIngress } from '../src/index.js';

const API_KEY = 'test-key-0123456789';
let vhost: Awaited<ReturnType<typeof createTestVhost>>;
let bus: Bus;
let server: Server;
let base: string;

beforeAll(async () => {
  vhost = await createTestVhost();
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      AMQP_URL: vhost.url,
      KRATOS_API_KEY: API_KEY,
      KRATOS_BASIC_USER: 'kratos',
      KRATOS_BASIC_PASSWORD: 'pw',
      BODY_LIMIT_BYTES: '65536',
      PUBLISH_TIMEOUT_MS: '2000',
    },
    { service: 'ingress' },
  );
  const logger = createLogger({ service: 'ingress-test', level: 'silent' });
  const { registry } = createMetrics('ingress-test');
  bus = await connectBus({
    url: vhost.url,
    name: 'ingress-test',
    logger,
    registry,
    topology: buildTopology({ retryDelaysMs: config.retryDelaysMs }),
  });
  const app = createIngress({
    config,
    logger,
    registry,
    publisher: bus,
    isBrokerConnected: () => bus.isConnected(),
  });
  // The server main.ts builds (keep-alive 65 s): with Node's 5 s default, a request sent on an idle pooled
  // connection just as the server's keep-alive timer closed it was reset (ECONNRESET) under load.
  server = createHttpServer(app, httpLimitsOf(config)).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await bus?.close();
  await vhost?.dispose();
});

beforeEach(async () => {
  await drainQueue(vhost.url, QUEUES.identitySync); // leftovers of the test before
});

function post(body: string, headers: Record<string, string> = {}) {
  return fetch(`${base}/kratos/sync-identity`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, ...headers },
    body,
  });
}

describe('POST /kratos/sync-identity', () => {
  test('publishes KratosIdentityUpdated with the identity exactly as sent, then answers 200', async () => {
    const identity = { ...whoamiIdentity, future_field: { kept: true } };
    const res = await post(JSON.stringify({ identity }));
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    const [msg] = await readQueue(vhost.url, QUEUES.identitySync, { count: 1, timeoutMs: 3000 });
    expect(msg).toBeDefined();
    expect(msg!.properties.messageId).toBe(id);
    expect(msg!.properties.type).toBe('KratosIdentityUpdated');
    expect(msg!.properties.contentType).toBe('application/cloudevents+json');
    expect(msg!.properties.deliveryMode).toBe(2);
    const event = JSON.parse(msg!.content.toString());
    expect(event).toMatchObject({
      specversion: '1.0',
      id,
      type: 'KratosIdentityUpdated',
      subject: identity.id,
    });
    expect(event.data.identity).toEqual(identity);
  });

  test('accepts HTTP basic credentials and a custom-cased header', async () => {
    const basic = `Basic ${Buffer.from('kratos:pw').toString('base64')}`;
    const res = await post(JSON.stringify({ identity: whoamiIdentity }), {
      'x-api-key': '',
      authorization: basic,
    });
    expect(res.status).toBe(200);
    expect(await drainQueue(vhost.url, QUEUES.identitySync)).toHaveLength(1); // a 200 comes after the confirm
  });

  test.each([
    ['missing key', { 'x-api-key': '' }],
    ['wrong key', { 'x-api-key': 'nope' }],
    [
      'wrong basic password',
      { 'x-api-key': '', authorization: `Basic ${Buffer.from('kratos:bad').toString('base64')}` },
    ],
  ])('401 for %s, nothing published', async (_name, headers) => {
    const res = await post(JSON.stringify({ identity: whoamiIdentity }), headers);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(await drainQueue(vhost.url, QUEUES.identitySync)).toEqual([]);
  });

  test('400 for malformed JSON, 415 for a wrong content type, 413 when too large', async () => {
    const bad = await post('{"identity": {');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/malformed JSON/);
    const text = await post(JSON.stringify({ identity: whoamiIdentity }), { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    const big = await post(
      JSON.stringify({ identity: { ...whoamiIdentity, traits: { blob: 'x'.repeat(70_000) } } }),
    );
    expect(big.status).toBe(413);
    const deep = await post(`{"identity":${'['.repeat(500)}${']'.repeat(500)}}`);
    expect(deep.status).toBe(400);
    expect(await drainQueue(vhost.url, QUEUES.identitySync)).toEqual([]);
  });

  test.each([
    ['{}', '#/identity'],
    ['{"identity":null}', '#/identity'],
    [JSON.stringify({ identity: { traits: {} } }), '#/identity/id'],
    [JSON.stringify({ identity: { id: 'x', traits: 'nope' } }), '#/identity/traits'],
  ])('422 with a Kratos messages body for %s', async (body, pointer) => {
    const res = await post(body);
    expect(res.status).toBe(422);
    const json = (await res.json()) as {
      messages: Array<{ instance_ptr: string; messages: Array<{ id: number; type: string; text: string }> }>;
    };
    expect(json.messages.map((m) => m.instance_ptr)).toContain(pointer);
    for (const m of json.messages.flatMap((x) => x.messages)) {
      expect(Number.isInteger(m.id)).toBe(true);
      expect(m.type).toBe('error');
      expect(m.text.length).toBeGreaterThan(0);
    }
    expect(await drainQueue(vhost.url, QUEUES.identitySync)).toEqual([]);
  });

  test('answers 503 at once (not after the publish timeout) while the broker is unavailable, and 200 again once it is back', async () => {
    // Deleting the vhost closes our connection and makes every reconnect fail until it exists again.
    await rabbitmqctl('delete_vhost', vhost.vhost);
    try {
      await until(async () => (await fetch(`${base}/readyz`)).status === 503);
      const res = await post(JSON.stringify({ identity: whoamiIdentity }));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBeTruthy();
      // Refused because the bus is disconnected, not timed out waiting for a confirm.
      expect(((await res.json()) as { detail: string }).detail).toMatch(/\(BROKER_UNAVAILABLE\)/);
    } finally {
      await rabbitmqctl('add_vhost', vhost.vhost);
      await rabbitmqctl('set_permissions', '-p', vhost.vhost, 'guest', '.*', '.*', '.*');
    }
    await until(async () => (await post(JSON.stringify({ identity: whoamiIdentity }))).status === 200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  test('health, readiness and metrics', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(
      /identity_relay_ingress_requests_total\{[^}]*route="\/kratos\/sync-identity"[^}]*status="200"/,
    );
  });
});

// Asynchronous: a synchronous child would block the in-process ingress and bus while rabbitmqctl runs.
async function rabbitmqctl(...args: string[]): Promise<void> {
  await promisify(execFile)('rabbitmqctl', ['-q', ...args]);
}

async function until(ok: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
