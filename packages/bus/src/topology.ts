/**
 * The RabbitMQ topology of identity-relay, as plain data. Every service declares it at start
 * (`declareTopology`), and `toRabbitDefinitions` exports the same data as a definitions.json so
 * operators can pre-provision a broker.
 */
import { DEFAULT_QUORUM_REPLICAS } from './limits.js';

export interface ExchangeSpec {
  name: string;
  type: 'topic' | 'direct' | 'fanout';
  durable: true;
}

export interface QueueSpec {
  name: string;
  durable: true;
  arguments: Record<string, unknown>;
}

export interface BindingSpec {
  exchange: string;
  queue: string;
  routingKey: string;
}

export interface Topology {
  exchanges: ExchangeSpec[];
  queues: QueueSpec[];
  bindings: BindingSpec[];
}

export const EXCHANGES = {
  identityEvents: 'identity.events',
  identityChanges: 'identity.changes',
  notifications: 'notifications',
  /** UnsubscribeRequested from the ingress's public unsubscribe links, applied by the subscribers worker. */
  subscriptions: 'subscriptions',
  /** IdentityErased (`identity.erased`) for systems downstream of identity-relay; no queue of ours is bound. */
  identityErasures: 'identity.erasures',
} as const;

export const QUEUES = {
  identitySync: 'identity-sync',
  subscribers: 'subscribers',
  notifier: 'notifier',
} as const;

/**
 * How many times the broker may deliver one message from a work queue before it gives up and
 * dead-letters it itself. Our own retry hops republish a fresh copy, so this only counts
 * redeliveries of the same copy: a process that crashes (or loses its connection) while handling
 * it. It is a safety net against poison messages that kill the consumer before it can decide.
 */
export const WORK_QUEUE_DELIVERY_LIMIT = 20;

/** Work queues and what they listen to (one binding per line; a queue may have several). */
const WORK_QUEUES: readonly BindingSpec[] = [
  { queue: QUEUES.identitySync, exchange: EXCHANGES.identityEvents, routingKey: '#' },
  { queue: QUEUES.subscribers, exchange: EXCHANGES.identityChanges, routingKey: 'identity.#' },
  { queue: QUEUES.subscribers, exchange: EXCHANGES.subscriptions, routingKey: 'subscription.#' },
  { queue: QUEUES.notifier, exchange: EXCHANGES.notifications, routingKey: 'notification.#' },
];

export function retryQueueName(queue: string, delayMs: number): string {
  return `${queue}.retry.${delayMs}`;
}

export function deadQueueName(queue: string): string {
  return `${queue}.dead`;
}

/**
 * Dead-letter arguments shared by the work queue (to `<q>.dead`) and its retry queues (back to
 * `<q>`). RabbitMQ 3.10 supports at-least-once dead-lettering on quorum queues (verified against
 * the local 3.10.8 broker); it requires `x-overflow: reject-publish`, which only matters once a
 * length limit is set, and makes publishers see a nack instead of silent loss when one is hit.
 */
function deadLetterTo(routingKey: string): Record<string, unknown> {
  return {
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': routingKey,
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
  };
}

/** (default) Members of each quorum queue; QUORUM_QUEUE_REPLICAS (the value lives in limits.ts). */
export { DEFAULT_QUORUM_REPLICAS };

/**
 * Arguments that only act when a queue is created, though the broker compares them on every
 * declare: see declareTopologyKeepingPlacement.
 */
export const PLACEMENT_ARGUMENTS = ['x-quorum-initial-group-size', 'x-queue-leader-locator'] as const;

/**
 * A quorum queue with `replicas` members (fewer when the cluster has fewer nodes) whose leader is
 * placed on the node with the fewest leaders (`balanced`, RabbitMQ 3.10+), not on the node the
 * declaring client happens to be connected to (`client-local`, the default).
 */
function quorum(name: string, replicas: number, args: Record<string, unknown> = {}): QueueSpec {
  return {
    name,
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-quorum-initial-group-size': replicas,
      'x-queue-leader-locator': 'balanced',
      ...args,
    },
  };
}

/** The work queue, its retry queues (one per distinct delay) and its dead queue. */
export function workQueueSpecs(
  queue: string,
  retryDelaysMs: readonly number[],
  replicas = DEFAULT_QUORUM_REPLICAS,
): QueueSpec[] {
  const work = quorum(queue, replicas, {
    'x-delivery-limit': WORK_QUEUE_DELIVERY_LIMIT,
    ...deadLetterTo(deadQueueName(queue)),
  });
  // Quorum queues accept per-queue message TTL since 3.10 (verified on 3.10.8): a retry queue
  // holds the copy for `delay` ms and then dead-letters it back to the work queue.
  const retries = [...new Set(retryDelaysMs)].map((delay) =>
    quorum(retryQueueName(queue, delay), replicas, { 'x-message-ttl': delay, ...deadLetterTo(queue) }),
  );
  return [work, ...retries, quorum(deadQueueName(queue), replicas)];
}

/** Throws RangeError unless every delay is a positive whole number of milliseconds. */
export function checkRetryDelays(retryDelaysMs: readonly number[]): void {
  for (const delay of retryDelaysMs) {
    if (!Number.isInteger(delay) || delay < 1 || delay > 2_147_483_647) {
      throw new RangeError(`retry delay must be an integer of milliseconds in 1..2147483647, got ${delay}`);
    }
  }
}

export interface TopologyOptions {
  retryDelaysMs: readonly number[];
  /** (default=3) Members of each quorum queue, 1..99; a cluster with fewer nodes gets one per node. */
  quorumReplicas?: number;
}

export function buildTopology(opts: TopologyOptions): Topology {
  checkRetryDelays(opts.retryDelaysMs);
  const replicas = opts.quorumReplicas ?? DEFAULT_QUORUM_REPLICAS;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 99) {
    throw new RangeError(`quorumReplicas must be an integer in 1..99, got ${replicas}`);
  }
  return {
    exchanges: Object.values(EXCHANGES).map((name) => ({ name, type: 'topic', durable: true })),
    // A work queue may listen to several exchanges: one set of queues per distinct work queue.
    queues: [...new Set(WORK_QUEUES.map((w) => w.queue))].flatMap((queue) =>
      workQueueSpecs(queue, opts.retryDelaysMs, replicas),
    ),
    bindings: WORK_QUEUES.map((w) => ({ ...w })),
  };
}

/**
 * The topology in the shape of RabbitMQ's definitions.json (`rabbitmqctl import_definitions`,
 * or `load_definitions` in rabbitmq.conf). `vhost` defaults to `/`.
 */
export function toRabbitDefinitions(topology: Topology, vhost = '/'): object {
  return {
    vhosts: [{ name: vhost }],
    exchanges: topology.exchanges.map((e) => ({
      name: e.name,
      vhost,
      type: e.type,
      durable: e.durable,
      auto_delete: false,
      internal: false,
      arguments: {},
    })),
    queues: topology.queues.map((q) => ({
      name: q.name,
      vhost,
      durable: q.durable,
      auto_delete: false,
      arguments: { ...q.arguments },
    })),
    bindings: topology.bindings.map((b) => ({
      source: b.exchange,
      vhost,
      destination: b.queue,
      destination_type: 'queue',
      routing_key: b.routingKey,
      arguments: {},
    })),
  };
}
