import { hostname } from 'node:os';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { closeQuietly } from './close-quietly.js';
import { deadCopy, retryCopy } from './copies.js';
import type { LoggerLike } from './logger.js';
import { decodeDelivery, type Consumer, type ConsumerOptions, type IncomingMessage } from './message.js';
import type { BusMetrics } from './metrics.js';
import { intInRange, nonEmptyString } from './options.js';
import { ack, deadLetter, outcomeOfError, settle, type Outcome, type Settlement } from './outcome.js';
import type { RawPublish } from './publisher.js';
import { checkRetryDelays } from './topology.js';

export interface ConsumerDeps {
  /** Confirmed publish of retry and dead copies. */
  publish(raw: RawPublish): Promise<void>;
  logger: LoggerLike;
  metrics: BusMetrics;
  /** Called once the consumer has stopped, so the bus stops re-attaching it. */
  onStopped(consumer: QueueConsumer): void;
}

/** One delivery from receipt to settlement. `abandoned` is set when stop() requeued it after the grace. */
interface Delivery {
  channel: Channel;
  msg: ConsumeMessage;
  abandoned: boolean;
}

const DEFAULT_PREFETCH = 50;
const DEFAULT_GRACE_MS = 10_000;
/** Wait before re-opening a channel the broker closed while the connection stayed up. */
const REATTACH_DELAY_MS = 1_000;

export type CheckedConsumerOptions = Required<Omit<ConsumerOptions, 'validate'>> &
  Pick<ConsumerOptions, 'validate'>;

export function checkConsumerOptions(opts: ConsumerOptions): CheckedConsumerOptions {
  nonEmptyString('queue', opts.queue);
  nonEmptyString('service', opts.service);
  checkRetryDelays(opts.retryDelaysMs);
  return {
    ...opts,
    prefetch: intInRange('prefetch', opts.prefetch, DEFAULT_PREFETCH, 1, 65_535),
    retryDelaysMs: [...opts.retryDelaysMs],
  };
}

/**
 * Consumes one queue with manual acks. Every delivery ends in exactly one of: ack; a confirmed copy
 * in a retry queue, then ack; a confirmed copy in the dead queue, then ack; or nack-requeue when the
 * copy could not be confirmed. Up to `prefetch` handlers run at once.
 *
 * Handling is split into decide (`run`) and settle (`apply`) so that a batch handler can later run
 * one transaction for many deliveries and settle each one with the same `apply`.
 */
export class QueueConsumer implements Consumer {
  private channel: Channel | undefined;
  private consumerTag: string | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private readonly inFlight = new Set<Delivery>();
  private idleWaiters: Array<() => void> = [];
  private readonly host = hostname();

  constructor(
    readonly options: CheckedConsumerOptions,
    private readonly deps: ConsumerDeps,
  ) {}

  /** Opens a channel on `model` and starts consuming; called at consume() and after every reconnect. */
  async attach(model: ChannelModel): Promise<void> {
    if (this.stopping) return;
    const channel = await model.createChannel();
    let brokerError: Error | undefined;
    channel.on('error', (err: Error) => {
      brokerError = err;
      this.deps.logger.error({ err, queue: this.options.queue }, 'consumer channel closed by the broker');
    });
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.channel = undefined;
      this.consumerTag = undefined;
      // A channel-level error (not a lost connection) will not be followed by a reconnect: re-open it here.
      if (brokerError) this.reattachLater(model);
    });
    this.channel = channel;
    await channel.prefetch(this.options.prefetch);
    const reply = await channel.consume(this.options.queue, (msg) => this.onDelivery(channel, msg), {
      noAck: false,
    });
    this.consumerTag = reply.consumerTag;
    this.deps.logger.info({ queue: this.options.queue, prefetch: this.options.prefetch }, 'consuming');
  }

  stop(graceMs = DEFAULT_GRACE_MS): Promise<void> {
    intInRange('graceMs', graceMs, DEFAULT_GRACE_MS, 0, 3_600_000);
    this.stopped ??= this.shutdown(graceMs);
    return this.stopped;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.stopping = true;
    const { channel, consumerTag } = this;
    if (channel && consumerTag) await channel.cancel(consumerTag).catch(() => undefined);
    const finished = await this.waitIdle(graceMs);
    if (!finished) this.requeueInFlight();
    this.channel = undefined;
    if (channel) await closeQuietly(channel);
    this.deps.onStopped(this);
    this.deps.logger.info({ queue: this.options.queue, finished }, 'consumer stopped');
  }

  private reattachLater(model: ChannelModel): void {
    setTimeout(() => {
      if (this.stopping || this.channel) return;
      this.attach(model).catch((err: unknown) =>
        this.deps.logger.warn({ err, queue: this.options.queue }, 'could not re-open consumer channel'),
      );
    }, REATTACH_DELAY_MS).unref();
  }

  private onDelivery(channel: Channel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // The broker cancelled us (queue deleted or failover). Closing the channel makes attach run again.
      this.deps.logger.warn({ queue: this.options.queue }, 'consumer cancelled by the broker');
      if (!this.stopping) void closeQuietly(channel);
      return;
    }
    const delivery: Delivery = { channel, msg, abandoned: false };
    this.inFlight.add(delivery);
    void this.process(delivery).finally(() => {
      this.inFlight.delete(delivery);
      if (this.inFlight.size === 0) this.wakeIdle();
    });
  }

  private async process(delivery: Delivery): Promise<void> {
    const started = performance.now();
    const { message, problem } = decodeDelivery(delivery.msg, this.options);
    const outcome = problem ? deadLetter(problem) : await this.run(message);
    if (delivery.abandoned) return;
    const settlement = settle(outcome, message.attempt, this.options.retryDelaysMs);
    await this.apply(delivery, message, settlement);
    const type = problem ? 'invalid' : message.type;
    this.deps.metrics.consumed(
      this.options.queue,
      type,
      settlement.kind,
      (performance.now() - started) / 1000,
    );
  }

  private async run(message: IncomingMessage): Promise<Outcome> {
    const handler = this.options.handlers[message.type];
    try {
      return (await handler!(message)) ?? ack();
    } catch (err) {
      return outcomeOfError(err);
    }
  }

  private async apply(delivery: Delivery, message: IncomingMessage, settlement: Settlement): Promise<void> {
    const log = {
      queue: this.options.queue,
      messageId: message.messageId,
      type: message.type,
      attempt: message.attempt,
    };
    if (settlement.kind === 'ack') return this.ackDelivery(delivery);
    const original = { exchange: message.exchange, routingKey: message.routingKey };
    const base = {
      delivery: delivery.msg,
      queue: this.options.queue,
      error: settlement.error,
      original,
      now: new Date(),
    };
    const copy =
      settlement.kind === 'retry'
        ? retryCopy({ ...base, delayMs: settlement.delayMs, nextAttempt: settlement.nextAttempt })
        : deadCopy({
            ...base,
            attempts: settlement.attempts,
            service: this.options.service,
            host: this.host,
          });
    try {
      await this.deps.publish(copy);
    } catch (err) {
      this.deps.logger.warn({ ...log, err }, `could not publish ${settlement.kind} copy; requeueing`);
      return this.nackDelivery(delivery);
    }
    const level = settlement.kind === 'dead' ? 'error' : 'warn';
    this.deps.logger[level](
      { ...log, err: settlement.error, to: copy.routingKey },
      `message ${settlement.kind === 'dead' ? 'dead-lettered' : 'scheduled for retry'}`,
    );
    this.ackDelivery(delivery);
  }

  // Delivery tags belong to the channel that delivered; if that channel is gone the broker has
  // already requeued the message, so there is nothing left to settle.
  private ackDelivery(delivery: Delivery): void {
    try {
      delivery.channel.ack(delivery.msg);
    } catch (err) {
      this.deps.logger.debug({ err, queue: this.options.queue }, 'ack skipped: channel closed');
    }
  }

  private nackDelivery(delivery: Delivery): void {
    try {
      delivery.channel.nack(delivery.msg, false, true);
    } catch (err) {
      this.deps.logger.debug({ err, queue: this.options.queue }, 'nack skipped: channel closed');
    }
  }

  private requeueInFlight(): void {
    for (const delivery of this.inFlight) {
      delivery.abandoned = true;
      this.nackDelivery(delivery);
    }
    this.deps.logger.warn(
      { queue: this.options.queue, count: this.inFlight.size },
      'grace elapsed; requeued running deliveries',
    );
  }

  private whenIdle(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private waitIdle(graceMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), graceMs);
      void this.whenIdle().then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
