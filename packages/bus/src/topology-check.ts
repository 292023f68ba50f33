import { deadQueueName, retryQueueName, type Topology } from './topology.js';

/**
 * A consumer whose retry delays have no queue in the topology would see every retry copy returned
 * as unroutable and requeue forever; refuse it at consume() instead.
 */
export function checkTopologyHasQueues(
  topology: Topology,
  queue: string,
  retryDelaysMs: readonly number[],
): void {
  const declared = new Set(topology.queues.map((q) => q.name));
  const needed = [queue, deadQueueName(queue), ...retryDelaysMs.map((d) => retryQueueName(queue, d))];
  const missing = needed.filter((name) => !declared.has(name));
  if (missing.length > 0) {
    throw new RangeError(
      `topology has no queue ${missing.map((m) => `"${m}"`).join(', ')} for consumer of "${queue}"`,
    );
  }
}
