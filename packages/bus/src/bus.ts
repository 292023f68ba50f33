import type { ChannelModel, RecoveringChannelModel } from 'amqplib';
import type { BrokerNode } from './broker-urls.js';
import type { Registry } from 'prom-client';
import { BatchQueueConsumer, type BatchConsumerOptions } from './batch-consumer.js';
import { untilClosed } from './close-quietly.js';
import { coalesceWrites } from './coalesce-writes.js';
import { checkConsumerOptions, QueueConsumer, type ConsumerDeps } from './consumer.js';
import { declareTopologyKeepingPlacement } from './declare.js';
import type { LoggerLike } from './logger.js';
import type { Consumer, ConsumerOptions } from './message.js';
import { createBusMetrics } from './metrics.js';
import { connectToSomeNode } from './node-connection.js';
import { DEFAULT_PUBLISH_TIMEOUT_MS, MAX_PUBLISH_TIMEOUT_MS } from './limits.js';
import { intInRange, nonEmptyString } from './options.js';
import { encodeOutgoing, type OutgoingMessage } from './outgoing.js';
import { ConfirmedPublisher, type RawPublish } from './publisher.js';
import { checkTopologyHasQueues } from './topology-check.js';
import type { Topology } from './topology.js';

export interface BusOptions {
  /**
   * amqp(s)://user:pass@host:port/vhost, or one such URL per cluster node separated by commas: the
   * bus connects to a random one and, when that connection is lost, to the next live one of the list
   * (see connectToSomeNode).
   */
  url: string;
  /** Connection name shown by the broker (rabbitmqctl list_connections client_properties). */
  name: string;
  logger: LoggerLike;
  /** Declared after every (re)connect, before consumers start. */
  topology?: Topology;
  /** (default=30) AMQP heartbeat, in seconds; 0 disables. 0..600. */
  heartbeatSeconds?: number;
  /** Prometheus registry for the bus metrics; none when absent. */
  registry?: Registry;
  /** (default=5000) How long publish() waits for the broker's confirm, in milliseconds. 1..300000. */
  publishTimeoutMs?: number;
  /** (default=5000) Longest wait between reconnect attempts, in milliseconds (backoff from 100 ms). 100..300000. */
  reconnectMaxDelayMs?: number;
  /** (default=10000) TCP + AMQP handshake timeout per connection attempt, in milliseconds. 100..300000. */
  connectTimeoutMs?: number;
  /** (default=Math.random) Picks the node of `url` tried first (and the reconnect jitter); tests pin it. */
  random?: () => number;
}

export interface Bus {
  /** Confirmed publish: resolves after the broker's ack, rejects with a PublishError otherwise. */
  publish(msg: OutgoingMessage, opts?: { timeoutMs?: number }): Promise<void>;
  consume(opts: ConsumerOptions): Promise<Consumer>;
  /** Like consume(), but messages of the `batchHandlers` types are handled in batches (see BatchHandler). */
  consumeBatch(opts: BatchConsumerOptions): Promise<Consumer>;
  isConnected(): boolean;
  /** The node connected to (its URL without the password), or undefined while disconnected. */
  connectedNode(): string | undefined;
  /** Stops consumers (they finish or requeue), waits for pending confirms, closes the connection. */
  close(): Promise<void>;
}

/** Wait before re-opening the publishing channel after the broker closed it with an error. */
const PUBLISHER_REOPEN_DELAY_MS = 100;

/**
 * Connects and keeps reconnecting with amqplib's own recovery (`connect(url, { recovery })`, the
 * promise flavour of connectWithRecoveryPromise) rather than amqp-connection-manager. The manager's
 * ChannelWrapper queues publishes while disconnected and replays unconfirmed ones after a reconnect;
 * the ingress needs the opposite (fail at once so it can answer 503, and let the IdP retry). Its
 * wrapper also acks through whichever channel is current, while delivery tags belong to the channel
 * that delivered. Owning the channels ourselves, recreated in the recovery `setup`, avoids both.
 *
 * Resolves after the first connection attempt, whatever its result: a broker that is down at start
 * is retried in the background and `isConnected()` says when it is up.
 */
export async function connectBus(opts: BusOptions): Promise<Bus> {
  const bus = new AmqpBus(opts);
  await bus.start();
  return bus;
}

class AmqpBus implements Bus {
  private recovering: RecoveringChannelModel | undefined;
  private model: ChannelModel | undefined;
  private readonly publisher: ConfirmedPublisher;
  private readonly consumers = new Set<QueueConsumer>();
  private readonly metrics;
  private readonly publishTimeoutMs: number;
  private readonly heartbeatSeconds: number;
  private readonly reconnectMaxDelayMs: number;
  private readonly connectTimeoutMs: number;
  private closing: Promise<void> | undefined;
  private currentNode: (() => BrokerNode) | undefined;

  constructor(private readonly opts: BusOptions) {
    nonEmptyString('url', opts.url);
    nonEmptyString('name', opts.name);
    this.heartbeatSeconds = intInRange('heartbeatSeconds', opts.heartbeatSeconds, 30, 0, 600);
    this.publishTimeoutMs = intInRange(
      'publishTimeoutMs',
      opts.publishTimeoutMs,
      DEFAULT_PUBLISH_TIMEOUT_MS,
      1,
      MAX_PUBLISH_TIMEOUT_MS,
    );
    this.reconnectMaxDelayMs = intInRange(
      'reconnectMaxDelayMs',
      opts.reconnectMaxDelayMs,
      5_000,
      100,
      300_000,
    );
    this.connectTimeoutMs = intInRange('connectTimeoutMs', opts.connectTimeoutMs, 10_000, 100, 300_000);
    this.metrics = createBusMetrics(opts.registry);
    this.publisher = new ConfirmedPublisher(this.metrics);
  }

  async start(): Promise<void> {
    const { recovering, current } = await connectToSomeNode({
      url: this.opts.url,
      name: this.opts.name,
      heartbeatSeconds: this.heartbeatSeconds,
      connectTimeoutMs: this.connectTimeoutMs,
      reconnectMaxDelayMs: this.reconnectMaxDelayMs,
      setup: (model) => this.setup(model),
      logger: this.opts.logger,
      random: this.opts.random,
    });
    this.recovering = recovering;
    this.currentNode = current;
    const firstAttempt = new Promise<void>((resolve) => {
      recovering.once('connect', () => resolve());
      recovering.once('connect-failed', () => resolve());
    });
    this.watch(recovering);
    await firstAttempt;
  }

  private watch(recovering: RecoveringChannelModel): void {
    const log = this.opts.logger;
    recovering.on('blocked', (reason: string) => {
      log.warn({ reason }, 'broker blocked publishing');
      this.publisher.setBlocked(reason);
    });
    recovering.on('unblocked', () => {
      log.info({}, 'broker unblocked publishing');
      this.publisher.setBlocked(undefined);
    });
  }

  /** Runs after every successful (re)connect, before the connection counts as up. */
  private async setup(model: ChannelModel): Promise<void> {
    model.on('error', () => undefined); // reported through the recovering model's 'error'
    if (!coalesceWrites(model))
      this.opts.logger.warn({}, "amqplib's internals changed: frames are written one system call each");
    model.on('close', () => {
      if (this.model === model) this.model = undefined;
      this.publisher.setBlocked(undefined);
    });
    if (this.opts.topology) {
      const kept = await declareTopologyKeepingPlacement(model, this.opts.topology);
      if (kept.length > 0)
        this.opts.logger.warn(
          { queues: kept },
          'queues exist with other replica or leader placement; kept as they are (placement applies when a queue is created)',
        );
    }
    await this.openPublisher(model);
    this.model = model;
    await Promise.all([...this.consumers].map((c) => c.attach(model)));
  }

  private async openPublisher(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    let brokerError: Error | undefined;
    channel.on('error', (err: Error) => {
      brokerError = err;
      this.opts.logger.error({ err }, 'publishing channel closed by the broker');
    });
    channel.on('close', () => {
      if (brokerError && this.model === model && !this.closing) {
        setTimeout(() => this.reopenPublisher(model), PUBLISHER_REOPEN_DELAY_MS).unref();
      }
    });
    this.publisher.attach(channel);
  }

  private reopenPublisher(model: ChannelModel): void {
    if (this.model !== model || this.closing) return;
    this.openPublisher(model).catch((err: unknown) => {
      this.opts.logger.error({ err }, 'could not re-open the publishing channel');
    });
  }

  publish(msg: OutgoingMessage, opts: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = intInRange(
      'timeoutMs',
      opts.timeoutMs,
      this.publishTimeoutMs,
      1,
      MAX_PUBLISH_TIMEOUT_MS,
    );
    return this.publisher.publish(encodeOutgoing(msg), timeoutMs);
  }

  private publishCopy(raw: RawPublish): Promise<void> {
    return this.publisher.publish(raw, this.publishTimeoutMs);
  }

  async consume(opts: ConsumerOptions): Promise<Consumer> {
    const deps = this.consumerDeps();
    return this.addConsumer(new QueueConsumer(checkConsumerOptions(opts), deps));
  }

  async consumeBatch(opts: BatchConsumerOptions): Promise<Consumer> {
    const deps = this.consumerDeps();
    return this.addConsumer(new BatchQueueConsumer(opts, deps));
  }

  private consumerDeps(): ConsumerDeps {
    if (this.closing) throw new Error('bus is closed');
    return {
      publish: (raw) => this.publishCopy(raw),
      logger: this.opts.logger,
      metrics: this.metrics,
      onStopped: (c) => this.consumers.delete(c),
      isCurrent: (model) => this.model === model,
    };
  }

  private async addConsumer(consumer: QueueConsumer): Promise<Consumer> {
    const options = consumer.options;
    if (this.opts.topology) checkTopologyHasQueues(this.opts.topology, options.queue, options.retryDelaysMs);
    this.consumers.add(consumer);
    // When disconnected, the next setup attaches it.
    if (this.model) {
      try {
        await consumer.attach(this.model);
      } catch (err) {
        // Not kept for re-attaching: a queue that cannot be consumed would fail every reconnect.
        this.consumers.delete(consumer);
        throw err;
      }
    }
    return consumer;
  }

  isConnected(): boolean {
    return this.model !== undefined && this.publisher.ready;
  }

  connectedNode(): string | undefined {
    return this.isConnected() ? this.currentNode?.().label : undefined;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    await this.publisher.whenIdle();
    const recovering = this.recovering;
    if (!recovering) return;
    // The recovering model's close() waits on the connection's close(), which never settles when
    // the socket dies meanwhile; the connection's 'close' event is the dependable signal.
    const model = this.model;
    const closing = recovering.close();
    await (model ? untilClosed(model, closing) : closing);
    this.model = undefined;
  }
}
