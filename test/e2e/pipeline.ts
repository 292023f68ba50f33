import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildTopology, connectBus, type Bus } from '@identity-relay/bus';
import { createPrismaClient, type PrismaClient } from '@identity-relay/db';
import { createIdentitySyncWorker } from '@identity-relay/identity-sync';
import { createIngress, type ConfirmedPublisher } from '@identity-relay/ingress';
import { createLogger, createMetrics, loadConfig } from '@identity-relay/runtime';
import { createSubscribersWorker, defaultRules } from '@identity-relay/subscribers';
import { UNSUBSCRIBE_SECRET, type Harness } from '../../services/notifier/test/harness.js';

export const KRATOS_KEY = 'kratos-key-e2e';
export const NOTIFY_KEY = 'notify-key-e2e';

/** The real ingress, identity-sync and subscribers, wired in this process on the harness's vhost and database. */
export interface Pipeline {
  /** The ingress's base URL. */
  base: string;
  /** Message types the ingress published (and the broker confirmed), in order. */
  published: string[];
  post(path: string, key: string, body: unknown): Promise<Response>;
  close(): Promise<void>;
}

export async function startPipeline(h: Harness): Promise<Pipeline> {
  const closers: Array<() => Promise<unknown>> = [];
  const logger = createLogger({ service: 'e2e', level: 'silent' });
  const topology = buildTopology({ retryDelaysMs: h.retryDelaysMs });
  const connect = async (
    name: string,
  ): Promise<{ bus: Bus; prisma: PrismaClient; registry: ReturnType<typeof createMetrics>['registry'] }> => {
    const { registry } = createMetrics(name);
    const bus = await connectBus({ url: h.vhostUrl, name, logger, registry, topology });
    const prisma = createPrismaClient({ databaseUrl: h.dbUrl, poolMax: 4 });
    closers.push(
      () => bus.close(),
      () => prisma.$disconnect(),
    );
    return { bus, prisma, registry };
  };
  const config = { retryDelaysMs: h.retryDelaysMs, prefetch: 10, publishTimeoutMs: 3000 };

  const sync = await connect('identity-sync');
  const identitySync = createIdentitySyncWorker({ ...sync, logger, config, outboxPollMs: 100 });
  await identitySync.start();
  const subs = await connect('subscribers');
  // Seed 002's Kratos schema names the trait user_type (SUBSCRIBER_TYPE_TRAIT=user_type).
  const subscribers = createSubscribersWorker({ ...subs, logger, rules: defaultRules('user_type'), config });
  await subscribers.start();
  closers.unshift(
    () => identitySync.stop(2000),
    () => subscribers.stop(2000),
  );

  const ingressConfig = loadConfig(
    {
      NODE_ENV: 'test',
      AMQP_URL: h.vhostUrl,
      KRATOS_API_KEY: KRATOS_KEY,
      NOTIFY_API_KEY: NOTIFY_KEY,
      // The notifier of the harness signs with it: the ingress verifies what the notifier signed.
      UNSUBSCRIBE_SECRET,
    },
    { service: 'ingress' },
  );
  const { bus, registry } = await connect('ingress');
  const published: string[] = [];
  const publisher: ConfirmedPublisher = {
    async publish(msg, o) {
      await bus.publish(msg, o);
      published.push(msg.type);
    },
  };
  const server: Server = createIngress({
    config: ingressConfig,
    logger,
    registry,
    publisher,
    isBrokerConnected: () => bus.isConnected(),
  }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  closers.unshift(() => new Promise((r) => server.close(r)));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    published,
    post: (path, key, body) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify(body),
      }),
    async close() {
      for (const close of closers) await close().catch(() => undefined);
    },
  };
}
