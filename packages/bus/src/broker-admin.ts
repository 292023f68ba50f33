import type { Channel, ChannelModel, RecoveringChannelModel } from 'amqplib';
import { declareTopologyKeepingPlacement, isPlacementMismatch } from './declare.js';
import type { LoggerLike } from './logger.js';
import { connectToSomeNode } from './node-connection.js';
import { intInRange, nonEmptyString } from './options.js';
import { BrokerUnavailableError } from './publish-errors.js';
import { checkDrainOptions, RawDrain, type Drain, type DrainOptions } from './raw-drain.js';
import type { Topology } from './topology.js';

export interface BrokerAdminOptions {
  /** amqp(s)://user:pass@host:port/vhost, or a comma-separated list of one per cluster node. */
  url: string;
  /** Connection name shown by the broker. */
  name: string;
  logger: LoggerLike;
  /** (default=10000) TCP + AMQP handshake timeout per connection attempt, in milliseconds. 100..300000. */
  connectTimeoutMs?: number;
  /** (default=5000) Longest wait between reconnect attempts, in milliseconds. 100..300000. */
  reconnectMaxDelayMs?: number;
}

/** A queue's depth as `queue.declare` (passive) reports it; `missing` when the queue does not exist. */
export interface QueueDepth {
  queue: string;
  messages: number;
  consumers: number;
  missing: boolean;
}

export interface TopologyProblem {
  kind: 'exchange' | 'queue';
  name: string;
  problem: 'missing' | 'different';
  detail: string;
}

/**
 * Operator access to the broker without the management plugin: raw drains of several queues, queue
 * depths (passive declare), and declaring or verifying the topology. Keeps one recovering connection.
 */
export interface BrokerAdmin {
  drain(opts: DrainOptions): Promise<Drain>;
  queueDepths(queues: readonly string[]): Promise<QueueDepth[]>;
  /** Returns the queues kept with other placement arguments (see declareTopologyKeepingPlacement). */
  declare(topology: Topology): Promise<string[]>;
  /**
   * Checks every exchange and queue exists with the declared type and arguments (bindings cannot
   * be read without the management plugin). Creates nothing: a missing one is only reported.
   */
  verify(topology: Topology): Promise<TopologyProblem[]>;
  isConnected(): boolean;
  close(): Promise<void>;
}

/** Resolves after the first connection attempt; operations fail with BrokerUnavailableError while down. */
export async function connectBrokerAdmin(opts: BrokerAdminOptions): Promise<BrokerAdmin> {
  const admin = new AmqpBrokerAdmin(opts);
  await admin.start();
  return admin;
}

class AmqpBrokerAdmin implements BrokerAdmin {
  private recovering: RecoveringChannelModel | undefined;
  private model: ChannelModel | undefined;
  private readonly drains = new Set<RawDrain>();

  constructor(private readonly opts: BrokerAdminOptions) {
    nonEmptyString('url', opts.url);
    nonEmptyString('name', opts.name);
  }

  async start(): Promise<void> {
    const { recovering } = await connectToSomeNode({
      url: this.opts.url,
      name: this.opts.name,
      connectTimeoutMs: intInRange('connectTimeoutMs', this.opts.connectTimeoutMs, 10_000, 100, 300_000),
      reconnectMaxDelayMs: intInRange(
        'reconnectMaxDelayMs',
        this.opts.reconnectMaxDelayMs,
        5_000,
        100,
        300_000,
      ),
      setup: (model) => this.setup(model),
      logger: this.opts.logger,
    });
    this.recovering = recovering;
    await new Promise<void>((resolve) => {
      recovering.once('connect', () => resolve());
      recovering.once('connect-failed', () => resolve());
    });
  }

  private async setup(model: ChannelModel): Promise<void> {
    model.on('error', () => undefined);
    model.on('close', () => {
      if (this.model === model) this.model = undefined;
    });
    this.model = model;
    await Promise.all([...this.drains].map((d) => d.attach(model)));
  }

  private current(): ChannelModel {
    if (!this.model) throw new BrokerUnavailableError('not connected to the broker');
    return this.model;
  }

  async drain(opts: DrainOptions): Promise<Drain> {
    const drain = new RawDrain(checkDrainOptions(opts), this.opts.logger);
    this.drains.add(drain);
    if (this.model) await drain.attach(this.model);
    return {
      stop: async (graceMs) => {
        this.drains.delete(drain);
        await drain.stop(graceMs);
      },
    };
  }

  /** One short-lived channel per probe: a passive declare of a missing queue closes its channel. */
  private async probe<T>(
    use: (channel: Channel) => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; error: Error }> {
    const channel = await this.current().createChannel();
    channel.on('error', () => undefined);
    try {
      const value = await use(channel);
      await channel.close().catch(() => undefined);
      return { ok: true, value };
    } catch (error) {
      return { ok: false, error: error as Error };
    }
  }

  async queueDepths(queues: readonly string[]): Promise<QueueDepth[]> {
    const out: QueueDepth[] = [];
    for (const queue of queues) {
      const result = await this.probe((ch) => ch.checkQueue(queue));
      if (result.ok)
        out.push({
          queue,
          messages: result.value.messageCount,
          consumers: result.value.consumerCount,
          missing: false,
        });
      else if (isNotFound(result.error)) out.push({ queue, messages: 0, consumers: 0, missing: true });
      else throw result.error;
    }
    return out;
  }

  async declare(topology: Topology): Promise<string[]> {
    return declareTopologyKeepingPlacement(this.current(), topology);
  }

  async verify(topology: Topology): Promise<TopologyProblem[]> {
    const problems: TopologyProblem[] = [];
    for (const e of topology.exchanges) {
      const exists = await this.probe((ch) => ch.checkExchange(e.name));
      if (!exists.ok) problems.push(problem('exchange', e.name, exists.error));
      else {
        const same = await this.probe((ch) => ch.assertExchange(e.name, e.type, { durable: e.durable }));
        if (!same.ok) problems.push(problem('exchange', e.name, same.error));
      }
    }
    for (const q of topology.queues) {
      const exists = await this.probe((ch) => ch.checkQueue(q.name));
      if (!exists.ok) problems.push(problem('queue', q.name, exists.error));
      else {
        const same = await this.probe((ch) =>
          ch.assertQueue(q.name, { durable: q.durable, arguments: q.arguments }),
        );
        // Placement arguments act only at creation: a queue created with others is not a problem.
        if (!same.ok && !isPlacementMismatch(same.error)) problems.push(problem('queue', q.name, same.error));
      }
    }
    return problems;
  }

  isConnected(): boolean {
    return this.model !== undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.drains].map((d) => d.stop()));
    this.drains.clear();
    await this.recovering?.close();
    this.model = undefined;
  }
}

function isNotFound(error: Error): boolean {
  return (error as { code?: unknown }).code === 404;
}

function problem(kind: TopologyProblem['kind'], name: string, error: Error): TopologyProblem {
  return isNotFound(error)
    ? { kind, name, problem: 'missing', detail: `${kind} "${name}" does not exist` }
    : { kind, name, problem: 'different', detail: error.message };
}
