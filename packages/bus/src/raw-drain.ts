import type { Channel, ChannelModel, ConsumeMessage, MessageProperties } from 'amqplib';
import type { LoggerLike } from './logger.js';
import { intInRange, nonEmptyString } from './options.js';

/** One delivery exactly as the broker sent it: bytes, properties, and the last hop's route. */
export interface RawDelivery {
  queue: string;
  content: Buffer;
  properties: MessageProperties;
  headers: Record<string, unknown>;
  exchange: string;
  routingKey: string;
  redelivered: boolean;
}

/** Resolves when the delivery is safely handled (it is then acked); rejects to have it tried again later. */
export type RawHandler = (delivery: RawDelivery) => Promise<void>;

export interface DrainOptions {
  queues: readonly string[];
  handler: RawHandler;
  /** (default=20) Unacked deliveries per queue, and handlers running at once per queue. 1..65535. */
  prefetch?: number;
  /**
   * (default=1000) Wait before handling a failed delivery again, in milliseconds; doubles after each
   * failure of the same delivery, up to `maxFailureDelayMs`. 0..600000.
   */
  failureDelayMs?: number;
  /** (default=30000) Longest wait between two tries of one delivery, in milliseconds. 0..600000. */
  maxFailureDelayMs?: number;
}

export interface Drain {
  /** Stops taking deliveries and waits up to `graceMs` (default=10000, milliseconds) for running handlers. */
  stop(graceMs?: number): Promise<void>;
}

export type CheckedDrainOptions = Required<DrainOptions>;

export function checkDrainOptions(opts: DrainOptions): CheckedDrainOptions {
  if (opts.queues.length === 0) throw new RangeError('queues must name at least one queue');
  opts.queues.forEach((q, i) => nonEmptyString(`queues[${i}]`, q));
  return {
    queues: [...opts.queues],
    handler: opts.handler,
    prefetch: intInRange('prefetch', opts.prefetch, 20, 1, 65_535),
    failureDelayMs: intInRange('failureDelayMs', opts.failureDelayMs, 1_000, 0, 600_000),
    maxFailureDelayMs: intInRange('maxFailureDelayMs', opts.maxFailureDelayMs, 30_000, 0, 600_000),
  };
}

/**
 * Consumes several queues with manual acks and hands every delivery to one handler, whatever its
 * type or body: unlike the typed consumer runtime, nothing is decoded, validated or dead-lettered.
 * Meant for archiving dead queues, where every message must be kept as it is.
 *
 * A delivery whose handler fails is kept (unacked) and handled again after a growing delay, never
 * requeued: a requeue counts as a failed delivery, and a quorum queue with a delivery limit (the
 * default of 20 on RabbitMQ 4, with no dead-letter target on a dead queue) drops the message once the
 * count is reached, so a database outage of a few tens of seconds would lose dead letters. While
 * deliveries fail, at most `prefetch` per queue are held and the broker sends no more. Only a
 * connection loss, the broker's consumer timeout or stop() return them to the queue (once each).
 */
export class RawDrain implements Drain {
  private readonly channels = new Map<string, { channel: Channel; tag: string }>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly options: CheckedDrainOptions,
    private readonly logger: LoggerLike,
  ) {}

  /** Opens one channel per queue on `model`; called at start and after every reconnect. */
  async attach(model: ChannelModel): Promise<void> {
    for (const queue of this.options.queues) {
      if (this.stopping) return;
      const channel = await model.createChannel();
      channel.on('error', (err: Error) =>
        this.logger.error({ err, queue }, 'drain channel closed by the broker'),
      );
      channel.on('close', () => {
        if (this.channels.get(queue)?.channel === channel) this.channels.delete(queue);
      });
      await channel.prefetch(this.options.prefetch);
      const { consumerTag } = await channel.consume(queue, (msg) => this.onDelivery(queue, channel, msg), {
        noAck: false,
      });
      this.channels.set(queue, { channel, tag: consumerTag });
    }
    this.logger.info({ queues: this.options.queues }, 'draining queues');
  }

  private onDelivery(queue: string, channel: Channel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      this.logger.warn({ queue }, 'drain cancelled by the broker');
      return;
    }
    const delivery: RawDelivery = {
      queue,
      content: msg.content,
      properties: msg.properties,
      headers: { ...(msg.properties.headers ?? {}) },
      exchange: msg.fields.exchange,
      routingKey: msg.fields.routingKey,
      redelivered: msg.fields.redelivered,
    };
    const work = this.handle(channel, msg, delivery);
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async handle(channel: Channel, msg: ConsumeMessage, delivery: RawDelivery): Promise<void> {
    let delay = this.options.failureDelayMs;
    for (;;) {
      try {
        await this.options.handler(delivery);
        settle(() => channel.ack(msg));
        return;
      } catch (err) {
        if (this.stopping || this.channels.get(delivery.queue)?.channel !== channel) {
          // Stopping: hand it back now. Channel gone: the broker already put it back.
          settle(() => channel.nack(msg, false, true));
          return;
        }
        this.logger.warn(
          { err, queue: delivery.queue, retryInMs: delay },
          'could not handle delivery; keeping it and trying again',
        );
        await sleep(delay);
        if (this.stopping) {
          settle(() => channel.nack(msg, false, true));
          return;
        }
        delay = Math.min(Math.max(delay * 2, 1), this.options.maxFailureDelayMs);
      }
    }
  }

  async stop(graceMs = 10_000): Promise<void> {
    intInRange('graceMs', graceMs, 10_000, 0, 3_600_000);
    this.stopping = true;
    for (const { channel, tag } of this.channels.values()) await channel.cancel(tag).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
    clearTimeout(timer);
    // Closing a channel requeues whatever it still holds unacked.
    for (const { channel } of this.channels.values()) await channel.close().catch(() => undefined);
    this.channels.clear();
  }
}

// A channel that closed meanwhile has already returned the delivery to the queue.
function settle(action: () => void): void {
  try {
    action();
  } catch {
    /* channel closed */
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
