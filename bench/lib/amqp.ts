import { connect, type ConfirmChannel } from 'amqplib';
import type { PreparedMessage } from './workload.js';

export interface Rate {
  count: number;
  seconds: number;
  perSecond: number;
}

function rate(count: number, startedMs: number): Rate {
  const seconds = (performance.now() - startedMs) / 1000;
  return { count, seconds, perSecond: count / seconds };
}

/**
 * Raw amqplib confirmed publish with up to `inFlight` (default=1000) unconfirmed messages: the baseline for
 * publishing, and how scenarios preload queues. Persistent, with the same properties the bus sets.
 */
export async function publishConfirmed(
  url: string,
  exchange: string,
  messages: readonly PreparedMessage[],
  inFlight = 1000,
): Promise<Rate> {
  const model = await connect(url);
  try {
    const channel = await model.createConfirmChannel();
    const started = performance.now();
    await pipeline(channel, exchange, messages, inFlight);
    return rate(messages.length, started);
  } finally {
    await model.close();
  }
}

async function pipeline(
  channel: ConfirmChannel,
  exchange: string,
  messages: readonly PreparedMessage[],
  inFlight: number,
): Promise<void> {
  let outstanding = 0;
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  for (const m of messages) {
    while (outstanding >= inFlight) await new Promise<void>((r) => (wake = r));
    if (failed) throw failed;
    outstanding++;
    const writable = channel.publish(
      exchange,
      m.routingKey,
      m.body,
      {
        persistent: true,
        messageId: m.messageId,
        type: m.type,
        contentType: 'application/cloudevents+json',
        timestamp: Math.floor(Date.now() / 1000),
      },
      (err) => {
        if (err) failed = err instanceof Error ? err : new Error(String(err));
        outstanding--;
        wake?.();
      },
    );
    if (!writable) await new Promise<void>((r) => channel.once('drain', () => r()));
  }
  await channel.waitForConfirms();
  if (failed) throw failed;
}

/** A durable quorum queue for the raw baselines (the work queues are quorum queues too). */
export async function declareBaselineQueue(url: string, queue: string): Promise<void> {
  const model = await connect(url);
  try {
    const channel = await model.createChannel();
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  } finally {
    await model.close();
  }
}

/** Raw amqplib consume + one ack per message, `prefetch` (default=1000) unacked: the consuming baseline. */
export async function consumeAndAck(
  url: string,
  queue: string,
  count: number,
  prefetch = 1000,
): Promise<Rate> {
  const model = await connect(url);
  try {
    const channel = await model.createChannel();
    await channel.prefetch(prefetch);
    let seen = 0;
    let started = 0;
    await new Promise<void>((done) => {
      void channel.consume(queue, (msg) => {
        if (!msg) return;
        if (seen === 0) started = performance.now();
        channel.ack(msg);
        if (++seen === count) done();
      });
    });
    return rate(count, started);
  } finally {
    await model.close();
  }
}
