import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { buildTopology, connectBus, QUEUES, type Bus } from '@identity-relay/bus';
import { createTestVhost, drainQueue } from '@identity-relay/bus/testing';
import { idempotentNotificationId } from '@identity-relay/contracts';
import { createLogger, createMetrics, loadConfig } from '@identity-relay/runtime';
import { createIngress } from '../src/index.js';

const NOTIFY_KEY = 'notify-key-0123456789';
let vhost: Awaited<ReturnType<typeof createTestVhost>>;
let bus: Bus;
let server: Server;
let base: string;

beforeAll(async () => {
  vhost = await createTestVhost();
  const config = loadConfig(
    { NODE_ENV: 'test', AMQP_URL: vhost.url, NOTIFY_API_KEY: NOTIFY_KEY, PUBLISH_TIMEOUT_MS: '2000' },
    { service: 'ingress' },
  );
  const logger = createLogger({ service: 'ingress-test', level: 'silent' });
  const { registry } = createMetrics('ingress-test');
  const topology = buildTopology({ retryDelaysMs: config.retryDelaysMs });
  bus = await connectBus({ url: vhost.url, name: 'ingress-test', logger, registry, topology });
  const app = createIngress({
    config,
    logger,
    registry,
    publisher: bus,
    isBrokerConnected: () => bus.isConnected(),
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await bus?.close();
  await vhost?.dispose();
});

beforeEach(async () => {
  await drainQueue(vhost.url, QUEUES.notifier); // leftovers of the test before
});

const request = {
  topic: 'exam.generated',
  list: 'educators',
  subject: 'Your exam is ready',
  text: 'Open it.',
  html: '<p>Open it.</p>',
};

function post(body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${base}/notifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': NOTIFY_KEY, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// The ingress answers after the broker confirmed: what it published is in the queue by then, nothing comes later.
const published = () => drainQueue(vhost.url, QUEUES.notifier);

describe('POST /notifications', () => {
  test('publishes NotificationRequested to notifications/notification.<topic> and answers 202 with its id', async () => {
    const res = await post(request);
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const [msg, ...more] = await published();
    expect(more).toHaveLength(0);
    expect(msg!.properties.messageId).toBe(id);
    expect(msg!.properties.type).toBe('NotificationRequested');
    expect(msg!.exchange).toBe('notifications');
    expect(msg!.routingKey).toBe('notification.exam.generated');
    expect(JSON.parse(msg!.content.toString())).toMatchObject({
      specversion: '1.0',
      id,
      type: 'NotificationRequested',
      data: request,
    });
  });

  test('accepts the key as Authorization: Bearer', async () => {
    const res = await post(request, { 'x-api-key': '', authorization: `Bearer ${NOTIFY_KEY}` });
    expect(res.status).toBe(202);
    expect(await published()).toHaveLength(1);
  });

  test.each([
    ['no key', { 'x-api-key': '' }],
    ['a wrong key', { 'x-api-key': 'nope' }],
    ['a wrong bearer', { 'x-api-key': '', authorization: 'Bearer nope' }],
  ])('401 with %s, nothing published', async (_name, headers) => {
    expect((await post(request, headers)).status).toBe(401);
    expect(await published()).toHaveLength(0);
  });

  test.each([
    ['a CR/LF in the subject (header injection)', { ...request, subject: 'Hi\r\nBcc: everyone@example.org' }],
    ['a missing text', { topic: 'exam.generated', list: 'educators', subject: 'x' }],
    ['a list name with spaces', { ...request, list: 'all educators' }],
    ['an unknown field', { ...request, to: 'someone@example.org' }],
    ['an empty subject', { ...request, subject: '' }],
  ])('422 for %s, nothing published', async (_name, body) => {
    const res = await post(body);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const payload = (await res.json()) as { code: string; errors: { pointer: string; detail: string }[] };
    expect(payload).toMatchObject({ status: 422, code: 'invalid_notification' });
    expect(payload.errors.length).toBeGreaterThan(0);
    expect(await published()).toHaveLength(0);
  });

  test.each([
    ['text', { ...request, text: 'Dear {{ recipient.traits.name.first ' }],
    ['html', { ...request, html: '<p>{% if data.x %}unclosed</p>' }],
    ['subject', { ...request, subject: 'Hi {{ recipient.email | nosuchfilter }}' }],
  ])('422 for a %s template that does not parse, naming it; nothing published', async (field, body) => {
    const res = await post(body);
    expect(res.status).toBe(422);
    const payload = (await res.json()) as { code: string; errors: { pointer: string; detail: string }[] };
    expect(payload.code).toBe('invalid_template');
    expect(payload.errors[0]!.pointer).toBe(`/${field}`);
    expect(await published()).toHaveLength(0);
  });

  test('templates with recipient traits and request data are accepted and published as sent', async () => {
    const templated = {
      ...request,
      subject: 'Hello {{ recipient.traits.name.first | default: "there" }}',
      text: '{{ data.examTitle }} is ready.',
      data: { examTitle: 'Algebra 1' },
    };
    expect((await post(templated)).status).toBe(202);
    const [msg] = await published();
    expect(JSON.parse(msg!.content.toString()).data).toEqual(templated);
  });

  test('415 for a non-JSON body and 400 for malformed JSON', async () => {
    expect((await post('x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('{"topic":')).status).toBe(400);
    expect(await published()).toHaveLength(0);
  });

  test('the same Idempotency-Key returns the same id and publishes once; another key is another notification', async () => {
    const key = `exam-42-${Date.now()}`;
    const first = await post(request, { 'idempotency-key': key });
    const again = await post(request, { 'idempotency-key': key });
    const other = await post(request, { 'idempotency-key': `${key}-b` });
    const [a, b, c] = (await Promise.all([first.json(), again.json(), other.json()])) as { id: string }[];
    expect([first.status, again.status, other.status]).toEqual([202, 202, 202]);
    expect(a!.id).toBe(idempotentNotificationId(key));
    expect(b!.id).toBe(a!.id);
    expect(c!.id).not.toBe(a!.id);
    expect((await published()).map((m) => m.properties.messageId)).toEqual([a!.id, c!.id]);
  });

  test('400 for an Idempotency-Key with control characters or over 255 characters', async () => {
    expect((await post(request, { 'idempotency-key': 'x'.repeat(256) })).status).toBe(400);
    expect(await published()).toHaveLength(0);
  });
});
