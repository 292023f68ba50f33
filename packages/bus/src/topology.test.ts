import { describe, expect, it } from 'vitest';
import {
  EXCHANGES,
  QUEUES,
  buildTopology,
  deadQueueName,
  retryQueueName,
  toRabbitDefinitions,
  type QueueSpec,
} from './topology.js';
import { checkTopologyHasQueues } from './topology-check.js';

const topology = buildTopology({ retryDelaysMs: [1000, 10000, 60000] });
/** Every queue's type and placement with the default of 3 replicas. */
const PLACEMENT = {
  'x-queue-type': 'quorum',
  'x-quorum-initial-group-size': 3,
  'x-queue-leader-locator': 'balanced',
};
const queue = (name: string): QueueSpec => {
  const found = topology.queues.find((q) => q.name === name);
  if (!found) throw new Error(`no queue ${name}`);
  return found;
};

describe('buildTopology', () => {
  it('declares five durable topic exchanges', () => {
    expect(topology.exchanges).toEqual([
      { name: 'identity.events', type: 'topic', durable: true },
      { name: 'identity.changes', type: 'topic', durable: true },
      { name: 'notifications', type: 'topic', durable: true },
      { name: 'subscriptions', type: 'topic', durable: true },
      { name: 'identity.erasures', type: 'topic', durable: true },
    ]);
  });

  it('binds each work queue to its exchange', () => {
    expect(topology.bindings).toEqual([
      { exchange: EXCHANGES.identityEvents, queue: QUEUES.identitySync, routingKey: '#' },
      { exchange: EXCHANGES.identityChanges, queue: QUEUES.subscribers, routingKey: 'identity.#' },
      { exchange: EXCHANGES.subscriptions, queue: QUEUES.subscribers, routingKey: 'subscription.#' },
      { exchange: EXCHANGES.notifications, queue: QUEUES.notifier, routingKey: 'notification.#' },
    ]);
  });

  it('has a work, three retry and a dead queue per work queue, all durable quorum', () => {
    const names = topology.queues.map((q) => q.name);
    for (const q of Object.values(QUEUES)) {
      expect(names).toContain(q);
      expect(names).toContain(`${q}.retry.1000`);
      expect(names).toContain(`${q}.retry.10000`);
      expect(names).toContain(`${q}.retry.60000`);
      expect(names).toContain(`${q}.dead`);
    }
    expect(names).toHaveLength(15);
    for (const q of topology.queues) {
      expect(q.durable).toBe(true);
      expect(q.arguments['x-queue-type']).toBe('quorum');
    }
  });

  it('gives the work queue a delivery limit that dead-letters to its dead queue', () => {
    expect(queue('subscribers').arguments).toEqual({
      ...PLACEMENT,
      'x-delivery-limit': 20,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'subscribers.dead',
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    });
  });

  it('gives retry queues a TTL that dead-letters back to the work queue', () => {
    expect(queue('notifier.retry.10000').arguments).toEqual({
      ...PLACEMENT,
      'x-message-ttl': 10000,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'notifier',
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    });
  });

  it('gives the dead queue no expiry and no dead-lettering', () => {
    expect(queue('identity-sync.dead').arguments).toEqual(PLACEMENT);
  });

  it('places every quorum queue explicitly: QUORUM_QUEUE_REPLICAS members, leaders balanced over the nodes', () => {
    const five = buildTopology({ retryDelaysMs: [1000], quorumReplicas: 5 });
    for (const q of five.queues) {
      expect(q.arguments['x-quorum-initial-group-size']).toBe(5);
      expect(q.arguments['x-queue-leader-locator']).toBe('balanced');
    }
    expect(() => buildTopology({ retryDelaysMs: [], quorumReplicas: 0 })).toThrow(RangeError);
    expect(() => buildTopology({ retryDelaysMs: [], quorumReplicas: 2.5 })).toThrow(RangeError);
  });

  it('declares one retry queue per distinct delay and none for no delays', () => {
    expect(buildTopology({ retryDelaysMs: [100, 100] }).queues).toHaveLength(9);
    expect(buildTopology({ retryDelaysMs: [] }).queues).toHaveLength(6);
  });

  it('refuses delays that are not positive whole milliseconds', () => {
    expect(() => buildTopology({ retryDelaysMs: [0] })).toThrow(RangeError);
    expect(() => buildTopology({ retryDelaysMs: [1.5] })).toThrow(RangeError);
    expect(() => buildTopology({ retryDelaysMs: [Number.NaN] })).toThrow(RangeError);
  });
});

describe('queue names', () => {
  it('follows <q>.retry.<delay> and <q>.dead', () => {
    expect(retryQueueName('notifier', 250)).toBe('notifier.retry.250');
    expect(deadQueueName('notifier')).toBe('notifier.dead');
  });
});

describe('checkTopologyHasQueues', () => {
  it('accepts a consumer whose queues are all declared', () => {
    expect(() => checkTopologyHasQueues(topology, 'notifier', [1000, 60000])).not.toThrow();
  });

  it('names the missing retry queue', () => {
    expect(() => checkTopologyHasQueues(topology, 'notifier', [500])).toThrow(/notifier\.retry\.500/);
  });
});

describe('toRabbitDefinitions', () => {
  it('exports the topology in definitions.json shape for a vhost', () => {
    const defs = toRabbitDefinitions(topology, 'relay') as {
      vhosts: unknown[];
      exchanges: Array<Record<string, unknown>>;
      queues: Array<Record<string, unknown>>;
      bindings: Array<Record<string, unknown>>;
    };
    expect(defs.vhosts).toEqual([{ name: 'relay' }]);
    expect(defs.exchanges[0]).toEqual({
      name: 'identity.events',
      vhost: 'relay',
      type: 'topic',
      durable: true,
      auto_delete: false,
      internal: false,
      arguments: {},
    });
    expect(defs.queues).toHaveLength(15);
    expect(defs.queues.find((q) => q.name === 'notifier')).toMatchObject({
      vhost: 'relay',
      durable: true,
      auto_delete: false,
      arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 20 },
    });
    expect(defs.bindings).toContainEqual({
      source: 'notifications',
      vhost: 'relay',
      destination: 'notifier',
      destination_type: 'queue',
      routing_key: 'notification.#',
      arguments: {},
    });
  });

  it('defaults to the / vhost', () => {
    expect((toRabbitDefinitions(topology) as { vhosts: unknown }).vhosts).toEqual([{ name: '/' }]);
  });
});
