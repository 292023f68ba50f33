/**
 * Helpers for integration tests against a real RabbitMQ: a throwaway vhost per test file, and
 * direct reads of queues for assertions. Uses `rabbitmqctl` (the broker runs on this machine).
 * `TEST_AMQP_URL` overrides the base URL (default amqp://guest:guest@127.0.0.1:5672).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { connect, type GetMessage, type MessageProperties } from 'amqplib';

const run = promisify(execFile);
const DEFAULT_BASE_URL = 'amqp://guest:guest@127.0.0.1:5672';

export interface TestVhost {
  /** The base URL with the vhost as its path. */
  url: string;
  vhost: string;
  dispose(): Promise<void>;
}

export interface ReadMessage {
  content: Buffer;
  properties: MessageProperties;
  headers: Record<string, unknown>;
  /** The exchange and routing key of the last hop into this queue. */
  exchange: string;
  routingKey: string;
}

function baseUrl(): URL {
  return new URL(process.env.TEST_AMQP_URL ?? DEFAULT_BASE_URL);
}

async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 30_000 });
  return stdout;
}

/** Creates `ir-test-<random>` with full permissions for the URL's user; dispose() deletes it and everything in it. */
export async function createTestVhost(): Promise<TestVhost> {
  const base = baseUrl();
  const vhost = `ir-test-${randomBytes(6).toString('hex')}`;
  const user = decodeURIComponent(base.username || 'guest');
  await rabbitmqctl('add_vhost', vhost);
  await rabbitmqctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*');
  const url = new URL(base.toString());
  url.pathname = `/${encodeURIComponent(vhost)}`;
  return {
    url: url.toString(),
    vhost,
    dispose: async () => {
      await rabbitmqctl('delete_vhost', vhost);
    },
  };
}

/** Closes every client connection to `vhost`, as a broker restart or network cut would. */
export async function closeVhostConnections(
  vhost: string,
  reason = 'test: simulated connection loss',
): Promise<void> {
  await rabbitmqctl('close_all_connections', '--vhost', vhost, '--limit', '1000', reason);
}

/** Names of the client connections open to `vhost` (their connection_name client property). */
export async function listVhostConnections(vhost: string): Promise<string[]> {
  // list_connections has no vhost filter: list them all with their vhost and keep ours.
  const out = await rabbitmqctl('list_connections', 'vhost', 'client_properties');
  return out
    .split('\n')
    .slice(1)
    .filter((line) => line.split('\t', 1)[0] === vhost)
    .map((line) => /"connection_name","([^"]*)"/.exec(line)?.[1] ?? '');
}

/**
 * Takes up to `count` messages off `queue` (acking them), waiting up to `timeoutMs` (default=5000)
 * for them to arrive. Returns what it got; check the length. The wait starts once the channel is open, so a
 * short timeout still reads what is already there when connecting is slow (a loaded machine).
 */
export async function readQueue(
  url: string,
  queue: string,
  opts: { count: number; timeoutMs?: number },
): Promise<ReadMessage[]> {
  const model = await connect(firstNode(url));
  try {
    const channel = await model.createChannel();
    const deadline = Date.now() + (opts.timeoutMs ?? 5_000);
    const out: ReadMessage[] = [];
    while (out.length < opts.count && Date.now() < deadline) {
      const msg = await channel.get(queue, { noAck: true });
      if (!msg) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        continue;
      }
      out.push(readMessage(msg));
    }
    return out;
  } finally {
    await model.close();
  }
}

/**
 * Takes every message `queue` holds now (acking them), until the queue answers that it is empty: for a queue that
 * nothing publishes to any more. Unlike `queueDepth`, whose count a quorum queue may report late, this asks the
 * queue itself, message by message.
 */
export async function drainQueue(url: string, queue: string): Promise<ReadMessage[]> {
  const model = await connect(firstNode(url));
  try {
    const channel = await model.createChannel();
    const out: ReadMessage[] = [];
    for (
      let msg = await channel.get(queue, { noAck: true });
      msg;
      msg = await channel.get(queue, { noAck: true })
    )
      out.push(readMessage(msg));
    return out;
  } finally {
    await model.close();
  }
}

function readMessage(msg: GetMessage): ReadMessage {
  return {
    content: msg.content,
    properties: msg.properties,
    headers: { ...(msg.properties.headers ?? {}) },
    exchange: msg.fields.exchange,
    routingKey: msg.fields.routingKey,
  };
}

/** Messages ready in `queue` (not counting ones delivered and unacked). */
export async function queueDepth(url: string, queue: string): Promise<number> {
  return (await checkQueue(url, queue)).messageCount;
}

/** Consumers attached to `queue`: 0 means nothing can take a message from it. */
export async function queueConsumers(url: string, queue: string): Promise<number> {
  return (await checkQueue(url, queue)).consumerCount;
}

async function checkQueue(
  url: string,
  queue: string,
): Promise<{ messageCount: number; consumerCount: number }> {
  const model = await connect(firstNode(url));
  try {
    return await (await model.createChannel()).checkQueue(queue);
  } finally {
    await model.close();
  }
}

/** The first URL of an AMQP_URL list (a cluster's nodes): the helpers here need just one. */
function firstNode(url: string): string {
  return url.split(',')[0]!.trim();
}

/**
 * Waits until `queue` in the vhost of `vhostUrl` holds no message, ready or delivered and not yet acked: every
 * message published to it (with confirms) before the call has been handled. The positive signal that replaces
 * "sleep, then check nothing else happened". Throws after `timeoutMs` (default=20000).
 */
export async function waitForQueueSettled(
  vhostUrl: string,
  queue: string,
  timeoutMs = 20_000,
): Promise<void> {
  const vhost = decodeURIComponent(new URL(vhostUrl).pathname.slice(1));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await rabbitmqctl(
      'list_queues',
      '-p',
      vhost,
      '--no-table-headers',
      'name',
      'messages_ready',
      'messages_unacknowledged',
    );
    const row = out.split('\n').find((line) => line.split('\t', 1)[0] === queue);
    if (row === undefined) throw new Error(`queue ${queue} does not exist in ${vhost}`);
    if (
      row
        .split('\t')
        .slice(1)
        .every((n) => n.trim() === '0')
    )
      return;
    if (Date.now() > deadline) throw new Error(`queue ${queue} still holds messages: ${row}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
