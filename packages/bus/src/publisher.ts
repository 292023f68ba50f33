import type { ConfirmChannel, Message, Options } from 'amqplib';
import {
  BrokerUnavailableError,
  PublishChannelError,
  PublishError,
  PublishNackedError,
  PublishTimeoutError,
  UnroutableError,
} from './publish-errors.js';
import type { BusMetrics } from './metrics.js';

/** A message ready for the wire: bytes plus AMQP properties. */
export interface RawPublish {
  exchange: string;
  routingKey: string;
  content: Buffer;
  properties: Options.Publish;
}

interface InFlight {
  key: string;
  returned: UnroutableError | undefined;
}

/** One confirm channel's life: its pending publishes and, if the broker closed it, why. */
interface ChannelState {
  channel: ConfirmChannel;
  inFlight: Set<InFlight>;
  error: Error | undefined;
}

// amqplib reports a nack to the publish callback as exactly this error; anything else there means
// the channel closed before the confirm arrived.
const AMQPLIB_NACK_MESSAGE = 'message nacked';

function returnKey(exchange: string, routingKey: string, messageId: unknown): string {
  return `${exchange}\u0000${routingKey}\u0000${String(messageId)}`;
}

/**
 * Publishes on one confirm channel at a time and settles each publish from the broker's answer.
 * Many publishes are in flight at once; nothing is buffered while there is no channel.
 *
 * basic.return carries no delivery tag, so a return is matched to the oldest in-flight publish with
 * the same exchange, routing key and message id. RabbitMQ sends the return before the ack of the
 * same message on the same channel, so by the time the ack arrives the publish is marked.
 */
export class ConfirmedPublisher {
  private state: ChannelState | undefined;
  private blockedReason: string | undefined;
  private readonly idleWaiters = new Set<() => void>();

  constructor(private readonly metrics: BusMetrics) {}

  /** Starts publishing on `channel`; called after every (re)connect. */
  attach(channel: ConfirmChannel): void {
    const state: ChannelState = { channel, inFlight: new Set(), error: undefined };
    this.state = state;
    channel.on('return', (msg: Message) => markReturned(state, msg));
    channel.on('error', (err: Error) => {
      state.error = err;
    });
    channel.on('close', () => {
      if (this.state === state) this.state = undefined;
    });
  }

  /** Set while the broker blocks publishing (memory or disk alarm); publishes then fail fast. */
  setBlocked(reason: string | undefined): void {
    this.blockedReason = reason;
  }

  get ready(): boolean {
    return this.state !== undefined;
  }

  get channel(): ConfirmChannel | undefined {
    return this.state?.channel;
  }

  /** Resolves once the broker confirmed the message; rejects with a PublishError otherwise. */
  publish(raw: RawPublish, timeoutMs: number): Promise<void> {
    return this.send(raw, timeoutMs).then(
      () => this.metrics.published(raw.exchange, String(raw.properties.type ?? '')),
      (err: PublishError) => {
        this.metrics.publishFailed(err.code);
        throw err;
      },
    );
  }

  /** Resolves when no publish is waiting for its confirm (each one is bounded by its timeout). */
  whenIdle(): Promise<void> {
    if (this.pendingCount() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.add(resolve));
  }

  private pendingCount(): number {
    return this.state?.inFlight.size ?? 0;
  }

  private send(raw: RawPublish, timeoutMs: number): Promise<void> {
    const state = this.state;
    if (!state) return Promise.reject(new BrokerUnavailableError('not connected to the broker'));
    if (this.blockedReason !== undefined) {
      return Promise.reject(
        new BrokerUnavailableError(`broker is blocking publishers: ${this.blockedReason}`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const entry: InFlight = {
        key: returnKey(raw.exchange, raw.routingKey, raw.properties.messageId),
        returned: undefined,
      };
      let settled = false;
      const finish = (err: PublishError | undefined): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(
        () => finish(new PublishTimeoutError(`no confirm from the broker within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onConfirm = (err: unknown): void => {
        state.inFlight.delete(entry);
        finish(confirmError(state, entry, err, raw));
        this.notifyIfIdle();
      };
      state.inFlight.add(entry);
      try {
        state.channel.publish(raw.exchange, raw.routingKey, raw.content, raw.properties, onConfirm);
      } catch (err) {
        // amqplib throws synchronously when the channel is already closed, or the frame is invalid
        // (e.g. a header table over 64 KiB); in both cases nothing reached the broker.
        state.inFlight.delete(entry);
        finish(sendError(err));
      }
    });
  }

  private notifyIfIdle(): void {
    if (this.pendingCount() > 0) return;
    for (const wake of this.idleWaiters) wake();
    this.idleWaiters.clear();
  }
}

function markReturned(state: ChannelState, msg: Message): void {
  const key = returnKey(msg.fields.exchange, msg.fields.routingKey, msg.properties.messageId);
  for (const entry of state.inFlight) {
    if (entry.key === key && entry.returned === undefined) {
      const { replyCode, replyText } = msg.fields as unknown as { replyCode: number; replyText: string };
      entry.returned = new UnroutableError(
        `unroutable: no queue bound to exchange "${msg.fields.exchange}" for routing key "${msg.fields.routingKey}" (${replyCode} ${replyText})`,
        { replyCode },
      );
      return;
    }
  }
}

function confirmError(
  state: ChannelState,
  entry: InFlight,
  err: unknown,
  raw: RawPublish,
): PublishError | undefined {
  if (err === null || err === undefined) return entry.returned;
  if (err instanceof Error && err.message === AMQPLIB_NACK_MESSAGE) {
    return new PublishNackedError(`broker refused message ${String(raw.properties.messageId)}`, {
      cause: err,
    });
  }
  if (state.error) {
    return new PublishChannelError(`broker closed the channel: ${state.error.message}`, {
      cause: state.error,
    });
  }
  return new BrokerUnavailableError('connection lost before the broker confirmed', { cause: err });
}

function sendError(err: unknown): PublishError {
  if (err instanceof Error && err.name === 'IllegalOperationError') {
    return new BrokerUnavailableError('channel closed', { cause: err });
  }
  return new PublishError(`publish failed: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}
