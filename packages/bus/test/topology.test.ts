import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'amqplib';
import {
  buildTopology,
  declareTopology,
  declareTopologyKeepingPlacement,
  retryQueueName,
} from '../src/index.js';
import { createTestVhost, drainQueue, queueDepth, readQueue, type TestVhost } from '../src/testing.js';
import { uniqueTopology } from './helpers.js';

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
    const routed = await drainQueue(vhost.url, 'subscribers'); // confirmed: whatever was routed is there
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

  it('keeps a queue created with other placement arguments, and still refuses any other difference', async () => {
    const model = await connect(vhost.url);
    try {
      const channel = await model.createChannel();
      // A queue as an older release declared it: quorum, no replica count, no leader locator.
      const old = uniqueTopology([100]);
      const oldWork = old.topology.queues[0]!;
      const {
        'x-quorum-initial-group-size': _size,
        'x-queue-leader-locator': _locator,
        ...oldArgs
      } = oldWork.arguments;
      await channel.assertQueue(oldWork.name, { durable: true, arguments: oldArgs });
      await channel.close();

      expect(await declareTopologyKeepingPlacement(model, old.topology)).toEqual([oldWork.name]);
      // Another replica count than the queues were created with: kept too.
      const five = buildTopology({ retryDelaysMs: [100], quorumReplicas: 5 });
      await declareTopologyKeepingPlacement(model, buildTopology({ retryDelaysMs: [100] }));
      expect(await declareTopologyKeepingPlacement(model, five)).toEqual(five.queues.map((q) => q.name));

      const changed = buildTopology({ retryDelaysMs: [100] });
      changed.queues[0]!.arguments['x-delivery-limit'] = 5;
      await expect(declareTopologyKeepingPlacement(model, changed)).rejects.toThrow(/x-delivery-limit/);
    } finally {
      await model.close().catch(() => undefined);
    }
  });
});
