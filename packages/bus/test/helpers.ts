import { randomUUID } from 'node:crypto';
import { workQueueSpecs, type Topology } from '../src/topology.js';
import type { LoggerLike } from '../src/logger.js';

/** Logs nothing unless BUS_TEST_LOG is set, so failures can be debugged without noisy runs. */
export function testLogger(): LoggerLike & { lines: Array<{ level: string; obj: object; msg?: string }> } {
  const lines: Array<{ level: string; obj: object; msg?: string }> = [];
  const write =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj, msg });
      if (process.env.BUS_TEST_LOG) console.log(level, msg, obj);
    };
  return { lines, info: write('info'), warn: write('warn'), error: write('error'), debug: write('debug') };
}

/** A topology of one exchange and one work queue (with retry and dead queues), unique per test. */
export function uniqueTopology(retryDelaysMs: readonly number[]): {
  topology: Topology;
  exchange: string;
  queue: string;
} {
  const id = randomUUID().slice(0, 8);
  const exchange = `t-${id}.events`;
  const queue = `t-${id}`;
  return {
    exchange,
    queue,
    topology: {
      exchanges: [{ name: exchange, type: 'topic', durable: true }],
      queues: workQueueSpecs(queue, retryDelaysMs),
      bindings: [{ exchange, queue, routingKey: '#' }],
    },
  };
}

export async function waitFor(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function event(type: string, data: object = {}): { id: string; type: string; data: object } {
  return { id: randomUUID(), type, data };
}
