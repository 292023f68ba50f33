// Real RabbitMQ, own vhost: raw drains of several queues, queue depths, topology declare/verify.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'amqplib';
import { buildTopology, connectBrokerAdmin, type BrokerAdmin, type RawDelivery } from '../src/index.js';
import { createTestVhost, queueDepth, type TestVhost } from '../src/testing.js';
import { testLogger, waitFor } from './helpers.js';

let vhost: TestVhost;
let admin: BrokerAdmin;
const topology = buildTopology({ retryDelaysMs: [1000] });

async function send(queue: string, body: Buffer, headers: Record<string, unknown> = {}): Promise<void> {
  const model = await connect(vhost.url);
  const channel = await model.createConfirmChannel();
  channel.sendToQueue(queue, body, { headers, persistent: true });
  await channel.waitForConfirms();
  await model.close();
}

beforeAll(async () => {
  vhost = await createTestVhost();
  admin = await connectBrokerAdmin({ url: vhost.url, name: 'admin-test', logger: testLogger() });
});

afterAll(async () => {
  await admin?.close();
  await vhost?.dispose();
});

describe('broker admin', () => {
  it('verify reports every exchange and queue missing before declare, nothing after', async () => {
    const before = await admin.verify(topology);
    expect(before).toHaveLength(topology.exchanges.length + topology.queues.length);
    expect(before.every((p) => p.problem === 'missing')).toBe(true);
    await admin.declare(topology);
    expect(await admin.verify(topology)).toEqual([]);
  });

  it('verify reports a queue declared with different arguments', async () => {
    const changed = structuredClone(topology);
    changed.queues[0]!.arguments['x-delivery-limit'] = 3;
    const problems = await admin.verify(changed);
    expect(problems).toEqual([
      expect.objectContaining({ kind: 'queue', name: changed.queues[0]!.name, problem: 'different' }),
    ]);
  });

  it('queueDepths counts ready messages and marks missing queues', async () => {
    await send('notifier.dead', Buffer.from('x'));
    const depths = await admin.queueDepths(['notifier.dead', 'no-such-queue']);
    expect(depths).toEqual([
      { queue: 'notifier.dead', messages: 1, consumers: 0, missing: false },
      { queue: 'no-such-queue', messages: 0, consumers: 0, missing: true },
    ]);
  });

  it('drain hands every delivery of several queues to the handler, bytes intact, and handles a failed one again without requeueing it', async () => {
    const seen: RawDelivery[] = [];
    let failOnce = true;
    const drain = await admin.drain({
      queues: ['identity-sync.dead', 'subscribers.dead', 'notifier.dead'],
      failureDelayMs: 10,
      handler: async (d) => {
        if (d.queue === 'subscribers.dead' && failOnce) {
          failOnce = false;
          throw new Error('database down');
        }
        seen.push(d);
      },
    });
    const binary = Buffer.from([0, 255, 1, 254]);
    await send('identity-sync.dead', binary, { 'x-error': 'boom' });
    await send('subscribers.dead', Buffer.from('not json'));
    await waitFor(() => seen.length === 3, 10_000, 'three deliveries');
    await drain.stop(1000);
    const byQueue = Object.fromEntries(seen.map((d) => [d.queue, d]));
    expect(byQueue['identity-sync.dead']!.content.equals(binary)).toBe(true);
    expect(byQueue['identity-sync.dead']!.headers['x-error']).toBe('boom');
    // Kept and handled again in place: a requeue would have made it a redelivery (and counted it).
    expect(byQueue['subscribers.dead']!.redelivered).toBe(false);
    expect(failOnce).toBe(false);
    expect(byQueue['notifier.dead']!.content.toString()).toBe('x');
    for (const q of ['identity-sync.dead', 'subscribers.dead', 'notifier.dead'])
      expect(await queueDepth(vhost.url, q)).toBe(0);
  });

  it('rejects bad drain options', async () => {
    await expect(admin.drain({ queues: [], handler: async () => undefined })).rejects.toThrow(RangeError);
    await expect(admin.drain({ queues: ['a'], prefetch: 0, handler: async () => undefined })).rejects.toThrow(
      /prefetch/,
    );
  });
});
