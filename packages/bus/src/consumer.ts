import { hostname } from 'node:os';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { closeQuietly, untilClosed } from './close-quietly.js';
import { deadCopy, retryCopy } from './copies.js';
import { DEFAULT_PREFETCH } from './limits.js';
import type { LoggerLike } from './logger.js';
import { InFlight } from './in-flight.js';
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
  /** False once `model` is no longer the bus's live connection. */
  isCurrent?(model: ChannelModel): boolean;
}

/** One delivery from receipt to settlement. `abandoned` is set when stop() requeued it after the grace. */
export interface Delivery {
  channel: Channel;
  msg: ConsumeMessage;
  abandoned: boolean;
}

const DEFAULT_GRACE_MS = 10_000;
/** Wait before re-opening a channel the broker closed while the connection stayed up. */
const REATTACH_DELAY_MS = 1_000;
const MAX_REATTACH_DELAY_MS = 30_000;

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
  protected readonly inFlight = new InFlight<Delivery>();
  private readonly host = hostname();

  constructor(
    readonly options: CheckedConsumerOptions,
    protected readonly deps: ConsumerDeps,
  ) {}

  /** Opens a channel on `model` and starts consuming; called at consume() and after every reconnect. */
  async attach(model: ChannelModel): Promise<void> {
    if (this.stopping) return;
    const channel = await model.createChannel();
    // Re-open only a channel that was consuming and that the broker closed or cancelled while the
    // connection stayed up; a lost connection is followed by a reconnect that attaches anyway, and
    // a failed attach is reported to its caller.
    let consuming = false;
    let reopen = false;
    channel.on('error', (err: Error) => {
      reopen = true;
      this.deps.logger.error({ err, queue: this.options.queue }, 'consumer channel closed by the broker');
    });
    channel.on('cancel', () => {
      reopen = true;
    });
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.channel = undefined;
      this.consumerTag = undefined;
      if (consuming && reopen) this.reattachLater(model);
    });
    this.channel = channel;
    await channel.prefetch(this.options.prefetch);
    const reply = await channel.consume(this.options.queue, (msg) => this.onDelivery(channel, msg), {
      noAck: false,
    });
    this.consumerTag = reply.consumerTag;
    consuming = true;
    // stop() may have run while this attach was waiting on the broker.
    if (this.stopping) {
      await closeQuietly(channel);
      return;
    }
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
    // Bounded: on a half-dead connection the broker's cancel-ok may never come.
    if (channel && consumerTag)
      await untilClosed(
        channel,
        safely(() => channel.cancel(consumerTag)),
      );
    const finished = await this.inFlight.whenEmpty(graceMs);
    if (!finished) this.requeueInFlight();
    this.channel = undefined;
    if (channel) await closeQuietly(channel);
    this.deps.onStopped(this);
    this.deps.logger.info({ queue: this.options.queue, finished }, 'consumer stopped');
  }

  /** Re-opens after a broker-side close, backing off (1 s doubling to 30 s) while it keeps failing. */
  private reattachLater(model: ChannelModel, delayMs = REATTACH_DELAY_MS): void {
    setTimeout(() => {
      if (this.stopping || this.channel) return;
      this.attach(model).catch((err: unknown) => {
        this.deps.logger.warn(
          { err, queue: this.options.queue, retryInMs: delayMs * 2 },
          'could not re-open consumer channel',
        );
        // A closed connection ends the loop: the reconnect attaches a fresh channel.
        if (!this.connectionClosed(model))
          this.reattachLater(model, Math.min(delayMs * 2, MAX_REATTACH_DELAY_MS));
      });
    }, delayMs).unref();
  }

  private connectionClosed(model: ChannelModel): boolean {
    return this.deps.isCurrent ? !this.deps.isCurrent(model) : false;
  }

  private onDelivery(channel: Channel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // The broker cancelled us (queue deleted, or a quorum leader moved). Closing the channel
      // re-attaches after a delay; if the queue is gone that fails and is logged.
      this.deps.logger.warn({ queue: this.options.queue }, 'consumer cancelled by the broker');
      if (!this.stopping) void closeQuietly(channel);
      return;
    }
    const delivery: Delivery = { channel, msg, abandoned: false };
    this.inFlight.add(delivery);
    void this.process(delivery).finally(() => {
      this.inFlight.delete(delivery);
    });
  }

  protected async process(delivery: Delivery): Promise<void> {
    const started = performance.now();
    const { message, problem } = decodeDelivery(delivery.msg, this.options);
    const outcome = problem ? deadLetter(problem) : await this.run(message);
    await this.finish(delivery, message, outcome, problem ? 'invalid' : message.type, started);
  }

  /** Settles one delivery whose outcome is known and records it; `started` is its performance.now() at receipt. */
  protected async finish(
    delivery: Delivery,
    message: IncomingMessage,
    outcome: Outcome,
    type: string,
    started: number,
  ): Promise<void> {
    if (delivery.abandoned) return;
    const settlement = settle(outcome, message.attempt, this.options.retryDelaysMs);
    await this.apply(delivery, message, settlement);
    this.deps.metrics.consumed(
      this.options.queue,
      type,
      settlement.kind,
      (performance.now() - started) / 1000,
    );
  }

  /** Runs the message's single-message handler; a throw becomes its outcome. */
  protected async run(message: IncomingMessage): Promise<Outcome> {
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
      traceparent: message.traceparent,
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
}

/** Runs an amqplib call that may throw synchronously (closed channel) as a promise that never rejects. */
function safely(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return call().catch(() => undefined);
  } catch {
    return Promise.resolve();
  }
}
