import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerUrlError, PublishError, connectBus, type Bus } from '../src/index.js';
import { createTestVhost, queueDepth, type TestVhost } from '../src/testing.js';
import { sleep, testLogger, uniqueTopology, waitFor } from './helpers.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

// Real broker, own vhost. Each "node" of the list is a TCP proxy in front of it, so a node can die
// (its proxy closes: connections cut, new ones refused) while the broker itself stays up. The
// 3-node cluster test (packages/chaos/test/rabbitmq-cluster.test.ts) does the same with real nodes.
let vhost: TestVhost;
const buses: Bus[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  vhost = await createTestVhost();
});
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
  await Promise.all(proxies.map((p) => p.close().catch(() => undefined)));
  await vhost?.dispose();
});

async function node(): Promise<{ proxy: TcpProxy; url: string }> {
  const target = new URL(vhost.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5672) });
  proxies.push(proxy);
  return { proxy, url: urlOnPort(proxy.port) };
}

function urlOnPort(port: number): string {
  const url = new URL(vhost.url);
  url.port = String(port);
  return url.toString();
}

/** A port that refuses connections: a node that is down. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `random` picks the first node tried: 0 (the default here) is the list's first, 0.99 its last. */
async function open(
  name: string,
  url: string,
  topology: ReturnType<typeof uniqueTopology>['topology'],
  random: () => number = () => 0,
) {
  const logger = testLogger();
  const bus = await connectBus({ url, name, logger, topology, reconnectMaxDelayMs: 500, random });
  buses.push(bus);
  return { bus, logger };
}

describe('a list of broker nodes in the URL', () => {
  it('connects to the next node when the first one is down, and reports which node it is on', async () => {
    const t = uniqueTopology([100]);
    const live = await node();
    const { bus, logger } = await open(
      'multi-first-down',
      `${urlOnPort(await deadPort())},${live.url}`,
      t.topology,
    );
    await waitFor(() => bus.isConnected(), 10_000, 'connected to the live node');
    expect(bus.connectedNode()).toContain(`:${live.proxy.port}/`);
    expect(logger.lines.some((l) => l.msg === 'could not connect to the broker')).toBe(true);
  });

  it('starts at the node the random source picks and, from there, walks the whole list round to a live node', async () => {
    const t = uniqueTopology([100]);
    const live = await node();
    const [dead1, dead2] = [await deadPort(), await deadPort()];
    // live, dead, dead; starting at the second entry it must try both dead nodes, then wrap to the first.
    const { bus, logger } = await open(
      'multi-random-start',
      `${live.url},${urlOnPort(dead1)},${urlOnPort(dead2)}`,
      t.topology,
      () => 0.4,
    );
    await waitFor(() => bus.isConnected(), 10_000, 'connected to the live node');
    expect(bus.connectedNode()).toContain(`:${live.proxy.port}/`);
    const tried = logger.lines
      .filter((l) => l.msg === 'could not connect to the broker' || l.msg === 'connected to the broker')
      .map((l) => String((l.obj as { broker?: string }).broker));
    expect(tried.slice(0, 3).map((b) => /:(\d+)\//.exec(b)?.[1])).toEqual([
      String(dead1),
      String(dead2),
      String(live.proxy.port),
    ]);

    // Picking the last entry first connects there at once, without trying the others.
    const other = await node();
    const { bus: direct, logger: directLog } = await open(
      'multi-random-last',
      `${live.url},${other.url}`,
      t.topology,
      () => 0.99,
    );
    await waitFor(() => direct.isConnected(), 10_000, 'connected to the picked node');
    expect(direct.connectedNode()).toContain(`:${other.proxy.port}/`);
    expect(directLog.lines.some((l) => l.msg === 'could not connect to the broker')).toBe(false);
  });

  it('publisher and consumer move to the next node when theirs dies; every confirmed message is consumed', async () => {
    const t = uniqueTopology([100]);
    const a = await node();
    const b = await node();
    const list = `${a.url},${b.url}`;
    const { bus: publisher, logger: pubLog } = await open('multi-publisher', list, t.topology);
    const { bus: consumer, logger: conLog } = await open('multi-consumer', list, t.topology);
    expect(publisher.connectedNode()).toContain(`:${a.proxy.port}/`);
    const seen = new Map<string, number>();
    await consumer.consume({
      queue: t.queue,
      service: 'bus-test',
      retryDelaysMs: [100],
      prefetch: 10,
      handlers: {
        Counted: async (m) => {
          await sleep(1);
          seen.set(m.messageId ?? '', (seen.get(m.messageId ?? '') ?? 0) + 1);
        },
      },
    });

    const total = 300;
    const publishing = (async () => {
      for (let i = 0; i < total; i++) {
        const id = `m-${i}`;
        for (;;) {
          try {
            await publisher.publish({
              exchange: t.exchange,
              routingKey: 'k',
              messageId: id,
              type: 'Counted',
              body: { id },
            });
            break;
          } catch (err) {
            if (!(err instanceof PublishError)) throw err;
            await sleep(20);
          }
        }
        if (i === 100) await a.proxy.close(); // node a dies mid-stream
      }
    })();
    await publishing;
    await waitFor(() => seen.size === total, 20_000, `all ${total} messages consumed (have ${seen.size})`);

    expect(publisher.connectedNode()).toContain(`:${b.proxy.port}/`);
    expect(consumer.connectedNode()).toContain(`:${b.proxy.port}/`);
    expect(pubLog.lines.some((l) => l.msg === 'lost the broker connection')).toBe(true);
    expect(conLog.lines.some((l) => l.msg === 'lost the broker connection')).toBe(true);
    // A redelivery after the cut is allowed (at-least-once), but never more than one extra.
    expect([...seen.values()].every((n) => n <= 2)).toBe(true);
    expect(await queueDepth(vhost.url, `${t.queue}.dead`)).toBe(0);
    // The nodes are logged without their passwords.
    const logged = JSON.stringify([...pubLog.lines, ...conLog.lines]);
    expect(logged).toContain(':***@');
    expect(logged).not.toMatch(/:guest@/);
  });

  it('refuses a bad list without printing the password', async () => {
    const err = await connectBus({
      url: 'amqp://relay:hunter2@rmq-0:5672/ir,http://relay:hunter2@rmq-1:5672/ir',
      name: 'bad-list',
      logger: testLogger(),
    }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(BrokerUrlError);
    expect((err as Error).message).toBe('entry 2 of 2 is not an amqp:// or amqps:// URL');
    expect(String((err as Error).stack)).not.toContain('hunter2');
  });
});
