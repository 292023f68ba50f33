// W3C trace context from the webhook to the IdentityChanged it causes: ingress → real broker → identity-sync
// worker → real database (outbox) → relay → identity.changes.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildTopology, connectBus, QUEUES, type Bus } from '@identity-relay/bus';
import { readQueue, type ReadMessage } from '@identity-relay/bus/testing';
import { validateMessage, type CloudEvent } from '@identity-relay/contracts';
import { createLogger, createMetrics, loadConfig } from '@identity-relay/runtime';
import {
  kratosIdentity,
  startHarness,
  waitFor,
  type Harness,
} from '../../services/identity-sync/test/harness.js';
import { createIngress } from '@identity-relay/ingress';
import { KEYS } from '../../services/ingress/test/ingress-harness.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

let h: Harness;
let bus: Bus;
let server: Server;
let base: string;

beforeAll(async () => {
  h = await startHarness({ replicas: 0 });
  const logger = createLogger({ service: 'trace-test', level: 'silent' });
  const config = loadConfig(
    { NODE_ENV: 'test', AMQP_URL: h.vhostUrl, KRATOS_API_KEY: KEYS.kratos, NOTIFY_API_KEY: KEYS.notify },
    { service: 'ingress' },
  );
  const { registry } = createMetrics('trace-test');
  const topology = buildTopology({ retryDelaysMs: [200, 400] });
  bus = await connectBus({ url: h.vhostUrl, name: 'trace-test-ingress', logger, registry, topology });
  const app = createIngress({ config, logger, registry, publisher: bus, isBrokerConnected: () => true });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await bus?.close();
  await h?.dispose();
});

function sync(identityId: string, headers: Record<string, string> = {}) {
  return fetch(`${base}/kratos/sync-identity`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': KEYS.kratos, ...headers },
    body: JSON.stringify({ identity: kratosIdentity(identityId) }),
  });
}

/** The traceparent of a message: its AMQP header, which must equal its CloudEvent attribute. */
function traceOf(msg: ReadMessage): RegExpExecArray {
  const body = JSON.parse(msg.content.toString()) as CloudEvent;
  expect(msg.headers.traceparent).toBe(body.traceparent);
  const match = TRACEPARENT.exec(String(body.traceparent));
  expect(match, String(body.traceparent)).not.toBeNull();
  return match!;
}

describe('trace context (no worker yet: the published KratosIdentityUpdated stays in its queue)', () => {
  test('a valid traceparent is continued: same trace id and flags, the ingress span as parent', async () => {
    expect((await sync(randomUUID(), { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` })).status).toBe(200);
    const [msg] = await readQueue(h.vhostUrl, QUEUES.identitySync, { count: 1, timeoutMs: 3000 });
    const [, traceId, spanId, flags] = traceOf(msg!);
    expect(traceId).toBe(TRACE_ID);
    expect(spanId).not.toBe(CALLER_SPAN);
    expect(flags).toBe('01');
  });

  test('no traceparent, or an invalid one: a new valid trace each time', async () => {
    await sync(randomUUID());
    await sync(randomUUID(), { traceparent: `00-${'0'.repeat(32)}-${CALLER_SPAN}-01` });
    const msgs = await readQueue(h.vhostUrl, QUEUES.identitySync, { count: 2, timeoutMs: 3000 });
    expect(msgs).toHaveLength(2);
    const [a, b] = msgs.map((m) => traceOf(m)[1]);
    expect(a).not.toBe(b);
    expect([a, b]).not.toContain('0'.repeat(32));
  });

  test('POST /notifications carries it into NotificationRequested too', async () => {
    const res = await fetch(`${base}/notifications`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': KEYS.notify,
        traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-00`,
      },
      body: JSON.stringify({ topic: 'news', list: 'educators', subject: 'Hi', text: 'Hello' }),
    });
    expect(res.status).toBe(202);
    const [msg] = await readQueue(h.vhostUrl, QUEUES.notifier, { count: 1, timeoutMs: 3000 });
    expect(traceOf(msg!).slice(1, 2)).toEqual([TRACE_ID]);
  });
});

describe('trace context through identity-sync', () => {
  test('the IdentityChanged caused by a webhook has its trace id, as attribute and header, and valid data', async () => {
    await h.startWorker();
    const identityId = randomUUID();
    const traceId = randomUUID().replace(/-/g, '');
    expect((await sync(identityId, { traceparent: `00-${traceId}-${CALLER_SPAN}-01` })).status).toBe(200);
    const [change] = await waitFor(
      () => readQueue(h.vhostUrl, QUEUES.subscribers, { count: 1, timeoutMs: 500 }),
      (msgs) => msgs.length === 1,
    );
    const event = JSON.parse(change!.content.toString()) as CloudEvent<{ identity: { externalId: string } }>;
    expect(event.type).toBe('IdentityChanged');
    expect(event.data.identity.externalId).toBe(identityId);
    expect(traceOf(change!)[1]).toBe(traceId);
    // The trace context is an envelope attribute: the data still matches its closed schema.
    expect(validateMessage('IdentityChanged', event)).toBeNull();
    expect(event.data).not.toHaveProperty('traceparent');
  });
});
