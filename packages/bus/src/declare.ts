import type { Channel } from 'amqplib';
import type { Topology } from './topology.js';

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
