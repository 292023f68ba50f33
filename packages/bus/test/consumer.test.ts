import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { connect } from 'amqplib';
import {
  InvalidMessageError,
  declareTopology,
  PermanentError,
  TransientError,
  connectBus,
  deadLetter,
  type Bus,
  type IncomingMessage,
  type MessageHandler,
} from '../src/index.js';
import {
  createTestVhost,
  drainQueue,
  queueConsumers,
  queueDepth,
  readQueue,
  waitForQueueSettled,
  type ReadMessage,
  type TestVhost,
} from '../src/testing.js';
import { event, sleep, testLogger, uniqueTopology, waitFor } from './helpers.js';

// Real broker, own vhost, one queue set per test; nothing faked.
const delays = [100, 200] as const;
let vhost: TestVhost;
const buses: Bus[] = [];

beforeAll(async () => {
  vhost = await createTestVhost();
});
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
  await vhost?.dispose();
});

async function setup(registry?: Registry) {
  const t = uniqueTopology(delays);
  const bus = await connectBus({
    url: vhost.url,
    name: 'bus-consumer-test',
    logger: testLogger(),
    topology: t.topology,
    registry,
  });
  buses.push(bus);
  const publish = (
    type: string,
    body: object | Buffer = event(type),
    routingKey = 'kratos.identity.updated',
  ) =>
    bus.publish({
      exchange: t.exchange,
      routingKey,
      messageId: Buffer.isBuffer(body) ? 'raw' : String((body as { id?: string }).id ?? 'no-id'),
      type,
      body,
      headers: { traceparent: '00-trace' },
    });
  const consume = (
    handlers: Record<string, MessageHandler>,
    validate?: (type: string, body: unknown) => string[] | null,
  ) => bus.consume({ queue: t.queue, service: 'bus-test', retryDelaysMs: delays, handlers, validate });
  return { ...t, bus, publish, consume };
}

describe('consumer runtime', () => {
  it('acks a handled message', async () => {
    const { publish, consume, queue } = await setup();
    const seen: IncomingMessage[] = [];
    await consume({ Hello: async (m) => void seen.push(m) });
    const body = event('Hello', { n: 1 });
    await publish('Hello', body);
    await waitFor(() => seen.length === 1);
    expect(seen[0]).toMatchObject({
      body,
      messageId: body.id,
      type: 'Hello',
      attempt: 1,
      redelivered: false,
      routingKey: 'kratos.identity.updated',
    });
    expect(seen[0]!.headers.traceparent).toBe('00-trace');
    await waitForQueueSettled(vhost.url, queue, 10_000); // acked: neither ready nor delivered-unacked
    expect(await queueDepth(vhost.url, `${queue}.dead`)).toBe(0);
  });

  it('retries through the retry queues: transient twice, then success on attempt 3', async () => {
    const registry = new Registry();
    const { publish, consume, exchange, queue } = await setup(registry);
    const attempts: IncomingMessage[] = [];
    await consume({
      Flaky: async (m) => {
        attempts.push(m);
        if (attempts.length < 3) throw new TransientError(`db down ${attempts.length}`);
      },
    });
    await publish('Flaky');
    await waitFor(() => attempts.length === 3);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    // The handler sees the original route, not the retry hop through the default exchange.
    expect(attempts.map((a) => [a.exchange, a.routingKey])).toEqual(
      Array(3).fill([exchange, 'kratos.identity.updated']),
    );
    expect(attempts[2]!.headers['x-last-error']).toBe('db down 2');
    expect(attempts[2]!.headers['x-first-failed-at']).toBe(attempts[1]!.headers['x-first-failed-at']);
    expect(attempts[0]!.raw.equals(attempts[2]!.raw)).toBe(true);
    // Attempt 3 acked and no copy waiting in a retry queue: nothing else can be delivered.
    for (const q of [queue, ...delays.map((d) => `${queue}.retry.${d}`)])
      await waitForQueueSettled(vhost.url, q);
    expect(attempts).toHaveLength(3);
    expect(await queueDepth(vhost.url, `${queue}.dead`)).toBe(0);
    const metrics = await registry.metrics();
    expect(metrics).toContain(
      `identity_relay_messages_consumed_total{queue="${queue}",type="other",outcome="retry"} 2`,
    );
    expect(metrics).toContain(
      `identity_relay_messages_consumed_total{queue="${queue}",type="other",outcome="ack"} 1`,
    );
    expect(metrics).toContain(
      `identity_relay_message_processing_seconds_count{queue="${queue}",type="other"} 3`,
    );
  });

  it('dead-letters a message that always fails, with every failure header and the original bytes', async () => {
    const { publish, consume, exchange, queue } = await setup();
    let calls = 0;
    await consume({
      Broken: async () => {
        calls++;
        throw new TransientError('still down', { code: 'DB_DOWN' });
      },
    });
    const body = event('Broken', { text: 'ünïcode' });
    await publish('Broken', body);
    const [dead] = await readQueue(vhost.url, `${queue}.dead`, { count: 1, timeoutMs: 5000 });
    expect(calls).toBe(3);
    expect(dead).toBeDefined();
    expect(dead!.content.equals(Buffer.from(JSON.stringify(body)))).toBe(true);
    expect(dead!.properties).toMatchObject({
      messageId: body.id,
      type: 'Broken',
      contentType: 'application/cloudevents+json',
      deliveryMode: 2,
    });
    const h = dead!.headers;
    expect(h).toMatchObject({
      traceparent: '00-trace',
      'x-error': 'still down',
      'x-error-class': 'TransientError',
      'x-error-code': 'DB_DOWN',
      'x-attempts': 3,
      'x-original-exchange': exchange,
      'x-original-routing-key': 'kratos.identity.updated',
      'x-service': 'bus-test',
      'x-host': hostname(),
    });
    expect(Date.parse(String(h['x-first-failed-at']))).toBeLessThanOrEqual(
      Date.parse(String(h['x-dead-lettered-at'])),
    );
    expect(h['x-death']).toBeUndefined();
    expect(h['x-attempt']).toBeUndefined();
    expect(await queueDepth(vhost.url, queue)).toBe(0);
  });

  it('dead-letters at once on PermanentError or a dead outcome, without retries', async () => {
    const { publish, consume, queue } = await setup();
    let calls = 0;
    await consume({
      Refused: async () => {
        calls++;
        throw new PermanentError('policy says no', { code: 'POLICY' });
      },
      Returned: async () => {
        calls++;
        return deadLetter(new Error('returned dead'));
      },
    });
    await publish('Refused');
    await publish('Returned');
    const dead = await readQueue(vhost.url, `${queue}.dead`, { count: 2, timeoutMs: 5000 });
    expect(dead.map((d) => [d.headers['x-error-class'], d.headers['x-attempts']]).sort()).toEqual([
      ['Error', 1],
      ['PermanentError', 1],
    ]);
    expect(calls).toBe(2);
  });

  it('dead-letters unparseable, unknown-type and invalid messages at once and keeps going', async () => {
    const { publish, consume, queue } = await setup();
    const handled: string[] = [];
    await consume(
      { Known: async (m) => void handled.push((m.body as { data: { n: number } }).data.n.toString()) },
      (_type, body) =>
        (body as { data?: { n?: unknown } }).data?.n === undefined ? ['/data/n is required'] : null,
    );
    await publish('Known', Buffer.from('{not json'));
    await publish('Unknown');
    await publish('Known', event('Known', { wrong: true }));
    await publish('Known', event('Known', { n: 7 }));
    const dead = await readQueue(vhost.url, `${queue}.dead`, { count: 3, timeoutMs: 5000 });
    const byCode = Object.fromEntries(dead.map((d) => [d.headers['x-error-code'], d]));
    expect(Object.keys(byCode).sort()).toEqual(['SCHEMA_INVALID', 'UNKNOWN_TYPE', 'UNPARSEABLE']);
    expect(byCode.UNPARSEABLE!.content.toString()).toBe('{not json');
    expect(byCode.SCHEMA_INVALID!.headers['x-error']).toContain('/data/n is required');
    for (const d of dead) {
      expect(d.headers['x-error-class']).toBe(InvalidMessageError.name);
      expect(d.headers['x-attempts']).toBe(1);
    }
    await waitFor(() => handled.length === 1);
    expect(handled).toEqual(['7']);
  });

  it('falls back to the body type when the AMQP type is missing', async () => {
    const { bus, consume, exchange } = await setup();
    const seen: string[] = [];
    await consume({ FromBody: async (m) => void seen.push(m.type) });
    await bus.publish({ exchange, routingKey: 'k', messageId: 'x', type: '', body: { type: 'FromBody' } });
    await waitFor(() => seen.length === 1);
    expect(seen).toEqual(['FromBody']);
  });

  it('stop() waits for the running handler to finish and ack', async () => {
    const { publish, consume, queue } = await setup();
    let finished = false;
    let started = false;
    const consumer = await consume({
      Slow: async () => {
        started = true;
        await sleep(500);
        finished = true;
      },
    });
    await publish('Slow');
    await waitFor(() => started);
    await consumer.stop(5000);
    expect(finished).toBe(true);
    await waitForQueueSettled(vhost.url, queue, 10_000); // acked, not requeued
    // Stopped: no consumer is left on the queue, so new messages stay in it.
    expect(await queueConsumers(vhost.url, queue)).toBe(0);
    await publish('Slow');
    expect(await drainQueue(vhost.url, queue)).toHaveLength(1);
  });

  it('stop() requeues a handler still running after the grace and ignores its result', async () => {
    const { bus, publish, consume, queue } = await setup();
    let started = false;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let failed!: () => void;
    const handlerFailed = new Promise<void>((resolve) => (failed = resolve));
    const consumer = await consume({
      Stuck: async () => {
        started = true;
        await released;
        failed();
        throw new TransientError('too late: must not be retried, the delivery was requeued');
      },
    });
    await publish('Stuck');
    await waitFor(() => started);
    // The handler runs until released: stop() returning at all shows it gave up after the grace.
    await consumer.stop(100);
    release();
    await handlerFailed;
    await new Promise((resolve) => setImmediate(resolve)); // the late failure's settlement, if any, has started
    // A marker sent after it through the same channel and retry queue: once the marker is back in the work queue
    // and the retry queue is empty, a retry copy of the late failure would be in the work queue too.
    const retryQueue = `${queue}.retry.${delays[0]}`;
    await bus.publish({
      exchange: '',
      routingKey: retryQueue,
      messageId: 'marker',
      type: 'Marker',
      body: {},
    });
    const back: ReadMessage[] = [];
    while (!back.some((m) => m.properties.messageId === 'marker')) {
      const [next] = await readQueue(vhost.url, queue, { count: 1, timeoutMs: 10_000 });
      if (!next) throw new Error('the marker never came back to the work queue');
      back.push(next);
    }
    await waitForQueueSettled(vhost.url, retryQueue);
    back.push(...(await drainQueue(vhost.url, queue)));
    // Exactly one copy: the requeued original, and no retry copy from the late failure.
    const copies = back.filter((m) => m.properties.messageId !== 'marker');
    expect(copies).toHaveLength(1);
    expect(copies[0]!.headers['x-attempt']).toBeUndefined();
  });

  it('consume() of a queue that does not exist rejects, and the bus stays usable', async () => {
    const logger = testLogger();
    const bare = await connectBus({ url: vhost.url, name: 'bus-no-topology', logger });
    buses.push(bare);
    await expect(
      bare.consume({ queue: 'no-such-queue', service: 's', retryDelaysMs: [], handlers: {} }),
    ).rejects.toThrow(/NOT_FOUND/);
    await sleep(1500);
    expect(bare.isConnected()).toBe(true);
    expect(logger.lines.filter((l) => l.msg === 'could not re-open consumer channel')).toEqual([]);
  });

  it('re-attaches after the broker cancels it (queue deleted and declared again)', async () => {
    const { bus, publish, consume, queue, topology } = await setup();
    const seen: string[] = [];
    await consume({ Hello: async (m) => void seen.push(m.messageId ?? '') });
    const model = await connect(vhost.url);
    try {
      const channel = await model.createChannel();
      await channel.deleteQueue(queue);
      await sleep(200);
      await declareTopology(channel, topology);
    } finally {
      await model.close();
    }
    const body = event('Hello');
    await publish('Hello', body);
    await waitFor(() => seen.includes(body.id), 10_000, 'delivery after re-attach');
    expect(bus.isConnected()).toBe(true);
  });

  it('refuses retry delays the topology has no queue for', async () => {
    const { bus, queue } = await setup();
    await expect(bus.consume({ queue, service: 's', retryDelaysMs: [999], handlers: {} })).rejects.toThrow(
      /retry\.999/,
    );
  });
});
