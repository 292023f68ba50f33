import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'amqplib';
import { buildTopology, declareTopology, retryQueueName } from '../src/index.js';
import { createTestVhost, queueDepth, readQueue, type TestVhost } from '../src/testing.js';

// Real broker, own vhost; nothing faked.
let vhost: TestVhost;
beforeAll(async () => {
  vhost = await createTestVhost();
});
afterAll(async () => {
  await vhost?.dispose();
});

describe('declareTopology', () => {
  it('declares the whole topology and can run again without error', async () => {
    const topology = buildTopology({ retryDelaysMs: [100, 200] });
    const model = await connect(vhost.url);
    try {
      const channel = await model.createChannel();
      await declareTopology(channel, topology);
      await declareTopology(channel, topology);
      for (const q of topology.queues) {
        await expect(channel.checkQueue(q.name)).resolves.toMatchObject({ queue: q.name, messageCount: 0 });
      }
      for (const e of topology.exchanges) await expect(channel.checkExchange(e.name)).resolves.toBeDefined();
    } finally {
      await model.close();
    }
  });

  it('routes through the bindings and brings retry copies back after the TTL', async () => {
    const model = await connect(vhost.url);
    try {
      const channel = await model.createConfirmChannel();
      await declareTopology(channel, buildTopology({ retryDelaysMs: [100, 200] }));
      channel.publish('identity.changes', 'identity.updated', Buffer.from('{"n":1}'), { persistent: true });
      channel.publish('identity.changes', 'other.key', Buffer.from('{"n":2}'), { persistent: true });
      channel.sendToQueue(retryQueueName('notifier', 100), Buffer.from('{"n":3}'), { persistent: true });
      await channel.waitForConfirms();
    } finally {
      await model.close();
    }
    const routed = await readQueue(vhost.url, 'subscribers', { count: 2, timeoutMs: 1000 });
    expect(routed.map((m) => m.content.toString())).toEqual(['{"n":1}']);
    const back = await readQueue(vhost.url, 'notifier', { count: 1, timeoutMs: 3000 });
    expect(back.map((m) => m.content.toString())).toEqual(['{"n":3}']);
    expect(await queueDepth(vhost.url, retryQueueName('notifier', 100))).toBe(0);
  });

  it('rejects a redeclaration with different arguments instead of silently keeping the old one', async () => {
    const model = await connect(vhost.url);
    try {
      const channel = await model.createChannel();
      channel.on('error', () => undefined);
      await declareTopology(channel, buildTopology({ retryDelaysMs: [100] }));
      const changed = buildTopology({ retryDelaysMs: [100] });
      changed.queues[0]!.arguments['x-delivery-limit'] = 5;
      await expect(declareTopology(channel, changed)).rejects.toThrow(/PRECONDITION_FAILED/);
    } finally {
      await model.close().catch(() => undefined);
    }
  });
});
