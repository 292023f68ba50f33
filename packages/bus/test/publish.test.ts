import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import {
  BrokerUnavailableError,
  PublishChannelError,
  PublishError,
  UnroutableError,
  connectBus,
  type Bus,
} from '../src/index.js';
import { createTestVhost, drainQueue, readQueue, type TestVhost } from '../src/testing.js';
import { event, testLogger, uniqueTopology } from './helpers.js';

// Real broker, own vhost; nothing faked.
let vhost: TestVhost;
let bus: Bus;
const registry = new Registry();
const { topology, exchange, queue } = uniqueTopology([100]);

beforeAll(async () => {
  vhost = await createTestVhost();
  // An exchange with no queue bound to it, for the unroutable case.
  topology.exchanges.push({ name: `${exchange}.nobody`, type: 'topic', durable: true });
  bus = await connectBus({
    url: vhost.url,
    name: 'bus-publish-test',
    logger: testLogger(),
    topology,
    registry,
  });
});
afterAll(async () => {
  await bus?.close();
  await vhost?.dispose();
});

describe('confirmed publish', () => {
  it('resolves once confirmed and the message is in the bound queue, with its properties', async () => {
    expect(bus.isConnected()).toBe(true);
    const body = event('KratosIdentityUpdated', { identity: { id: 'abc' } });
    const timestamp = new Date('2030-01-02T03:04:05Z');
    await bus.publish({
      exchange,
      routingKey: 'kratos.identity.updated',
      messageId: body.id,
      type: body.type,
      body,
      timestamp,
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    const [msg] = await readQueue(vhost.url, queue, { count: 1 });
    expect(msg).toBeDefined();
    expect(JSON.parse(msg!.content.toString())).toEqual(body);
    expect(msg!.properties).toMatchObject({
      messageId: body.id,
      type: 'KratosIdentityUpdated',
      contentType: 'application/cloudevents+json',
      deliveryMode: 2,
      timestamp: timestamp.getTime() / 1000,
    });
    expect(msg!.headers.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(msg!.routingKey).toBe('kratos.identity.updated');
  });

  it('sends Buffer bodies byte for byte', async () => {
    const raw = Buffer.from([0x7b, 0x7d, 0x0a, 0xff]);
    await bus.publish({
      exchange,
      routingKey: 'x',
      messageId: 'm-raw',
      type: 'Raw',
      body: raw,
      contentType: 'application/octet-stream',
    });
    const [msg] = await readQueue(vhost.url, queue, { count: 1 });
    expect(msg!.content.equals(raw)).toBe(true);
    expect(msg!.properties.contentType).toBe('application/octet-stream');
  });

  it('keeps many publishes in flight at once', async () => {
    const n = 500;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        bus.publish({ exchange, routingKey: 'bulk', messageId: `bulk-${i}`, type: 'Bulk', body: { i } }),
      ),
    );
    // One at a time would be n round trips; pipelined it is a small fraction of that.
    expect(Date.now() - started).toBeLessThan(5000);
    const msgs = await drainQueue(vhost.url, queue); // confirmed: every one is in the queue
    expect(msgs).toHaveLength(n);
    expect(new Set(msgs.map((m) => m.properties.messageId)).size).toBe(n);
  });

  it('rejects with UnroutableError when no queue is bound', async () => {
    const publishing = bus.publish({
      exchange: `${exchange}.nobody`,
      routingKey: 'a.b',
      messageId: 'm-1',
      type: 'T',
      body: {},
    });
    await expect(publishing).rejects.toBeInstanceOf(UnroutableError);
    await expect(publishing).rejects.toMatchObject({ code: 'UNROUTABLE', replyCode: 312 });
    await expect(publishing).rejects.toBeInstanceOf(PublishError);
  });

  it('tells the unroutable one apart from routable ones in flight with it', async () => {
    const results = await Promise.allSettled([
      bus.publish({ exchange, routingKey: 'ok', messageId: 'same-id', type: 'T', body: { n: 1 } }),
      bus.publish({
        exchange: `${exchange}.nobody`,
        routingKey: 'ok',
        messageId: 'same-id',
        type: 'T',
        body: { n: 2 },
      }),
      bus.publish({ exchange, routingKey: 'ok', messageId: 'same-id', type: 'T', body: { n: 3 } }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await readQueue(vhost.url, queue, { count: 2 })).toHaveLength(2);
  });

  it('rejects with PublishChannelError for a missing exchange, then keeps publishing', async () => {
    await expect(
      bus.publish({ exchange: 'no-such-exchange', routingKey: 'x', messageId: 'm-2', type: 'T', body: {} }),
    ).rejects.toBeInstanceOf(PublishChannelError);
    // The broker closed the channel; the bus opens a new one.
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        await bus.publish({ exchange, routingKey: 'after', messageId: 'm-3', type: 'T', body: {} });
        break;
      } catch (err) {
        if (!(err instanceof BrokerUnavailableError) || Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    expect(await readQueue(vhost.url, queue, { count: 1 })).toHaveLength(1);
  });

  it('counts confirmed and failed publishes', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(
      new RegExp(
        `identity_relay_messages_published_total\\{exchange="${exchange.replace('.', '\\.')}",type="other"\\} 504`,
      ),
    );
    // Types that are not message types of the contracts are counted as `other`, so labels stay bounded.
    expect(text).not.toContain('type="Bulk"');
    expect(text).toMatch(/identity_relay_publish_failures_total\{reason="UNROUTABLE"\} 2/);
    expect(text).toMatch(/identity_relay_publish_failures_total\{reason="CHANNEL_CLOSED"\} 1/);
  });
});

describe('broker unreachable', () => {
  it('rejects at once with BrokerUnavailableError instead of buffering', async () => {
    const logger = testLogger();
    const down = await connectBus({
      url: 'amqp://guest:guest@127.0.0.1:1/',
      name: 'down',
      logger,
      reconnectMaxDelayMs: 1000,
    });
    try {
      expect(down.isConnected()).toBe(false);
      const started = Date.now();
      const publishing = down.publish(
        { exchange, routingKey: 'x', messageId: 'm', type: 'T', body: {} },
        { timeoutMs: 30_000 },
      );
      await expect(publishing).rejects.toBeInstanceOf(BrokerUnavailableError);
      await expect(publishing).rejects.toMatchObject({ code: 'BROKER_UNAVAILABLE' });
      // A buffered publish would wait for a broker that never comes, until its 30 s timeout.
      expect(Date.now() - started).toBeLessThan(5000);
      expect(logger.lines.some((l) => l.msg === 'could not connect to the broker')).toBe(true);
    } finally {
      await down.close();
    }
  });

  it('logs one line per failed attempt, with the reason and attempt number but no error object or stack, backing off', async () => {
    const logger = testLogger();
    const down = await connectBus({
      url: 'amqp://guest:guest@127.0.0.1:1/',
      name: 'down-logging',
      logger,
      reconnectMaxDelayMs: 400,
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const failures = logger.lines.filter((l) => l.msg === 'could not connect to the broker');
      expect(failures.length).toBeGreaterThan(1);
      // Backoff: 100 ms doubling up to 400 ms allows at most about a dozen attempts in 1.5 s, not hundreds.
      expect(failures.length).toBeLessThan(15);
      failures.forEach((line, i) => {
        expect(line.obj).not.toHaveProperty('err');
        expect(JSON.stringify(line.obj)).not.toContain('    at ');
        expect(line.obj).toMatchObject({ code: 'ECONNREFUSED', attempt: i + 1 });
        expect((line.obj as { error: string }).error).toContain('ECONNREFUSED');
      });
    } finally {
      await down.close();
    }
  });
});
