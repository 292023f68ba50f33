import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectBus,
  deadLetter,
  PermanentError,
  type BatchHandler,
  type Bus,
  type IncomingMessage,
  type MessageHandler,
} from '../src/index.js';
import { createTestVhost, readQueue, waitForQueueSettled, type TestVhost } from '../src/testing.js';
import { event, testLogger, uniqueTopology, waitFor } from './helpers.js';

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

async function setup() {
  const t = uniqueTopology(delays);
  const bus = await connectBus({
    url: vhost.url,
    name: 'bus-batch-test',
    logger: testLogger(),
    topology: t.topology,
  });
  buses.push(bus);
  const publishMany = (type: string, bodies: object[]) =>
    Promise.all(
      bodies.map((body) =>
        bus.publish({
          exchange: t.exchange,
          routingKey: 'r',
          messageId: String((body as { id: string }).id),
          type,
          body,
        }),
      ),
    );
  const consume = (opts: {
    handlers: Record<string, MessageHandler>;
    batchHandlers: Record<string, BatchHandler>;
    batchSize?: number;
    batchWaitMs?: number;
    prefetch?: number;
  }) => bus.consumeBatch({ queue: t.queue, service: 'bus-test', retryDelaysMs: delays, ...opts });
  return { ...t, bus, publishMany, consume };
}

const ids = (msgs: readonly IncomingMessage[]) => msgs.map((m) => (m.body as { id: string }).id);

describe('batch consumer', () => {
  it('hands up to batchSize messages to one call, in arrival order, and acks them all', async () => {
    const { publishMany, consume, queue } = await setup();
    const batches: string[][] = [];
    await consume({
      handlers: { Hello: async () => undefined },
      batchHandlers: { Hello: async (msgs) => void batches.push(ids(msgs)) },
      batchSize: 10,
      batchWaitMs: 200,
      prefetch: 20,
    });
    const bodies = Array.from({ length: 25 }, (_, n) => event('Hello', { n }));
    await publishMany('Hello', bodies);
    await waitFor(() => batches.flat().length === 25);
    expect(batches.flat().sort()).toEqual(bodies.map((b) => b.id).sort());
    expect(Math.max(...batches.map((b) => b.length))).toBe(10);
    // The partial batch went out after batchWaitMs, without waiting for more.
    expect(batches.length).toBeLessThanOrEqual(5);
    await waitForQueueSettled(vhost.url, queue, 10_000); // all acked: neither ready nor delivered-unacked
  });

  it('a failing batch is handled again one message at a time: only the poison message is dead-lettered', async () => {
    const { publishMany, consume, queue } = await setup();
    const applied: string[] = [];
    const bodies = Array.from({ length: 6 }, (_, n) => event('Hello', { n, poison: n === 3 }));
    const isPoison = (m: IncomingMessage) => (m.body as { data: { poison: boolean } }).data.poison;
    await consume({
      handlers: {
        Hello: async (m) => {
          if (isPoison(m)) throw new PermanentError('poison', { code: 'POISON' });
          applied.push((m.body as { id: string }).id);
        },
      },
      batchHandlers: {
        Hello: async (msgs) => {
          if (msgs.some(isPoison)) throw new Error('one of them is bad');
          for (const m of msgs) applied.push((m.body as { id: string }).id);
        },
      },
      batchSize: 6,
      batchWaitMs: 300,
      prefetch: 6,
    });
    await publishMany('Hello', bodies);
    const dead = await readQueue(vhost.url, `${queue}.dead`, { count: 1, timeoutMs: 5000 });
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]!.content.toString()).id).toBe(bodies[3]!.id);
    expect(dead[0]!.headers['x-attempts']).toBe(1);
    await waitFor(() => applied.length === 5);
    expect(applied).toEqual(bodies.filter((_, n) => n !== 3).map((b) => b.id));
  });

  it('per-message outcomes from the batch handler settle each message on its own', async () => {
    const { publishMany, consume, queue } = await setup();
    const bodies = Array.from({ length: 4 }, (_, n) => event('Hello', { n }));
    await consume({
      handlers: { Hello: async () => undefined },
      batchHandlers: {
        Hello: async (msgs) =>
          msgs.map((m) =>
            (m.body as { data: { n: number } }).data.n === 2 ? deadLetter(new Error('refused')) : undefined,
          ),
      },
      batchSize: 4,
      batchWaitMs: 300,
      prefetch: 4,
    });
    await publishMany('Hello', bodies);
    const dead = await readQueue(vhost.url, `${queue}.dead`, { count: 1, timeoutMs: 5000 });
    expect(dead.map((d) => JSON.parse(d.content.toString()).id)).toEqual([bodies[2]!.id]);
  });

  it('types without a batch handler and invalid messages are handled one at a time', async () => {
    const { publishMany, consume, queue } = await setup();
    const single: string[] = [];
    await consume({
      handlers: { Hello: async () => undefined, Other: async (m) => void single.push(m.type) },
      batchHandlers: { Hello: async () => undefined },
      batchSize: 5,
      prefetch: 10,
    });
    await publishMany('Other', [event('Other')]);
    await publishMany('Unknown', [event('Unknown')]);
    await waitFor(() => single.length === 1);
    const dead = await readQueue(vhost.url, `${queue}.dead`, { count: 1, timeoutMs: 5000 });
    expect(dead[0]!.headers['x-error']).toMatch(/no handler/);
  });

  it('refuses a batch larger than prefetch and a batch type without a fallback handler', async () => {
    const { consume } = await setup();
    await expect(
      consume({
        handlers: { A: async () => undefined },
        batchHandlers: { A: async () => undefined },
        batchSize: 60,
        prefetch: 50,
      }),
    ).rejects.toThrow(/batchSize \(60\) must not exceed prefetch \(50\)/);
    await expect(consume({ handlers: {}, batchHandlers: { A: async () => undefined } })).rejects.toThrow(
      /single-message handler/,
    );
  });
});
