import type { Channel, ChannelModel } from 'amqplib';
import { closeQuietly } from './close-quietly.js';
import { PLACEMENT_ARGUMENTS, type Topology } from './topology.js';

/**
 * Asserts every exchange, queue and binding. Idempotent: asserting what exists with the same
 * arguments is a no-op, so every service calls it at start and after every reconnect. A queue that
 * exists with different arguments makes the broker close the channel (PRECONDITION_FAILED), and the
 * returned promise rejects with that error.
 */
export async function declareTopology(channel: Channel, topology: Topology): Promise<void> {
  for (const exchange of topology.exchanges) {
    await channel.assertExchange(exchange.name, exchange.type, { durable: exchange.durable });
  }
  for (const queue of topology.queues) {
    await channel.assertQueue(queue.name, { durable: queue.durable, arguments: queue.arguments });
  }
  for (const binding of topology.bindings) {
    await channel.bindQueue(binding.queue, binding.exchange, binding.routingKey);
  }
}

/**
 * Like declareTopology, but a queue that already exists with other placement arguments
 * (`x-quorum-initial-group-size`, `x-queue-leader-locator`: e.g. created by an older release, or
 * before QUORUM_QUEUE_REPLICAS changed) is kept as it is. The broker compares those arguments on
 * every declare although they only act when a queue is created. Any other difference still fails.
 * Returns the names of the queues kept.
 */
export async function declareTopologyKeepingPlacement(
  model: ChannelModel,
  topology: Topology,
): Promise<string[]> {
  const kept: string[] = [];
  let channel = await openChannel(model);
  try {
    for (const exchange of topology.exchanges) {
      await channel.assertExchange(exchange.name, exchange.type, { durable: exchange.durable });
    }
    for (const queue of topology.queues) {
      try {
        await channel.assertQueue(queue.name, { durable: queue.durable, arguments: queue.arguments });
      } catch (err) {
        if (!isPlacementMismatch(err)) throw err;
        channel = await openChannel(model); // the broker closed the previous one
        await channel.checkQueue(queue.name);
        kept.push(queue.name);
      }
    }
    for (const binding of topology.bindings) {
      await channel.bindQueue(binding.queue, binding.exchange, binding.routingKey);
    }
  } finally {
    await closeQuietly(channel);
  }
  return kept;
}

async function openChannel(model: ChannelModel): Promise<Channel> {
  const channel = await model.createChannel();
  channel.on('error', () => undefined); // the rejected operation carries the reason
  return channel;
}

/** A PRECONDITION_FAILED (406) about one of the creation-only placement arguments. */
export function isPlacementMismatch(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 406 || typeof message !== 'string') return false;
  return PLACEMENT_ARGUMENTS.some((arg) => message.includes(`inequivalent arg '${arg}'`));
}
