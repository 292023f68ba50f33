// Real: PostgreSQL (own database), RabbitMQ (own vhost), identity-sync and subscribers workers consuming, the
// reconcile engine publishing through the confirmed publisher. Stand-ins (real HTTP servers) play Kratos' admin API
// and Authentik's users API. Nothing on the path from the IdP listing to the subscriber lists is faked.
import { randomUUID } from 'node:crypto';
import { buildTopology, connectBus, type Bus } from '@identity-relay/bus';
import { createTestVhost } from '@identity-relay/bus/testing';
import { messageRoutes, MessageType, newCloudEvent, type KratosIdentity } from '@identity-relay/contracts';
import { createPrismaClient, type PrismaClient } from '@identity-relay/db';
import { createTestDatabase } from '@identity-relay/db/testing';
import { createIdentitySyncWorker, type IdentitySyncWorker } from '@identity-relay/identity-sync';
import { createReconciler, type Reconciler, type ReconcilerConfig } from '@identity-relay/reconcile';
import { createLogger, createMetrics } from '@identity-relay/runtime';
import { createSubscribersWorker, defaultRules, type ListRule } from '@identity-relay/subscribers';
import {
  startAuthentikUsersStandIn,
  startKratosAdminStandIn,
  type AuthentikUsersStandIn,
  type KratosAdminStandIn,
} from '@identity-relay/test-support';
import type { Registry } from 'prom-client';

export const AUTHENTIK_TOKEN = 'ak-reconcile-test-token';

export interface ReconcileHarness {
  dbUrl: string;
  vhostUrl: string;
  prisma: PrismaClient;
  publisher: Bus;
  kratos: KratosAdminStandIn;
  authentik: AuthentikUsersStandIn;
  config: ReconcilerConfig;
  registry: Registry;
  reconciler: Reconciler;
  /** A reconciler with other settings (same database, broker and stand-ins unless overridden). */
  reconcilerWith(over: Partial<ReconcilerConfig>): Reconciler;
  startIdentitySync(): Promise<void>;
  stopIdentitySync(): Promise<void>;
  /** Publishes a KratosIdentityUpdated as the ingress does for Kratos' web_hook. */
  webhook(identity: KratosIdentity, time?: string): Promise<void>;
  /** Polls `probe` until `ok` or the timeout (then returns the last value for the assertion to show). */
  until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs?: number): Promise<T>;
  liveCount(provider: string): Promise<number>;
  educators(): Promise<string[]>;
  /** Active members of a subscriber list, by address. */
  members(list: string): Promise<string[]>;
  dispose(): Promise<void>;
}

/** `rules`: the subscribers' list rules (default: the built-in `educators` rule on `traits.user_type`). */
export async function startReconcileHarness(opts: { rules?: ListRule[] } = {}): Promise<ReconcileHarness> {
  const retryDelaysMs = [200, 400];
  const vhost = await createTestVhost();
  const db = await createTestDatabase();
  const logger = createLogger({ service: 'reconcile-test', level: 'silent' });
  const topology = buildTopology({ retryDelaysMs });
  const publisher = await connectBus({ url: vhost.url, name: 'reconciler-test', logger, topology });
  const kratos = await startKratosAdminStandIn();
  const authentik = await startAuthentikUsersStandIn({ token: AUTHENTIK_TOKEN });
  const { registry } = createMetrics('reconcile-test');
  const config: ReconcilerConfig = {
    kratosAdminUrl: kratos.url,
    authentikUrl: authentik.url,
    authentikToken: AUTHENTIK_TOKEN,
    reconcilePageSize: 250,
    reconcileMaxDeleteRatio: 0.1,
    publishTimeoutMs: 5000,
  };
  const closers: Array<() => Promise<void>> = [];
  let sync: { worker: IdentitySyncWorker; close: () => Promise<void> } | null = null;

  async function startIdentitySync(): Promise<void> {
    const { registry: own } = createMetrics('identity-sync-test');
    const prisma = createPrismaClient({ databaseUrl: db.url, poolMax: 5 });
    const bus = await connectBus({
      url: vhost.url,
      name: 'identity-sync-test',
      logger,
      registry: own,
      topology,
    });
    const worker = createIdentitySyncWorker({
      prisma,
      bus,
      logger,
      registry: own,
      config: { retryDelaysMs, prefetch: 200, publishTimeoutMs: 5000, batchSize: 200, batchWaitMs: 10 },
      authentik: null,
      outboxPollMs: 100,
    });
    await worker.start();
    sync = {
      worker,
      close: async () => {
        await worker.stop(2000);
        await bus.close();
        await prisma.$disconnect();
      },
    };
  }

  async function startSubscribers(): Promise<void> {
    const { registry: own } = createMetrics('subscribers-test');
    const prisma = createPrismaClient({ databaseUrl: db.url, poolMax: 5 });
    const bus = await connectBus({
      url: vhost.url,
      name: 'subscribers-test',
      logger,
      registry: own,
      topology,
    });
    const worker = createSubscribersWorker({
      prisma,
      bus,
      logger,
      registry: own,
      rules: opts.rules ?? defaultRules('user_type'),
      config: { retryDelaysMs, prefetch: 200 },
    });
    await worker.start();
    closers.push(async () => {
      await worker.stop(2000);
      await bus.close();
      await prisma.$disconnect();
    });
  }

  await startIdentitySync();
  await startSubscribers();
  const reconcilerWith = (over: Partial<ReconcilerConfig>) =>
    createReconciler({
      prisma: db.prisma,
      publisher,
      config: { ...config, ...over },
      registry,
      leaseMs: 5000,
    });

  const members = async (list: string): Promise<string[]> => {
    const rows = await db.prisma.$queryRaw<{ email: string }[]>`
      SELECT email FROM subscribers WHERE list = ${list} AND unsubscribed_at IS NULL ORDER BY email`;
    return rows.map((r) => r.email);
  };

  return {
    dbUrl: db.url,
    vhostUrl: vhost.url,
    prisma: db.prisma,
    publisher,
    kratos,
    authentik,
    config,
    registry,
    reconciler: reconcilerWith({}),
    reconcilerWith,
    startIdentitySync,
    async stopIdentitySync() {
      await sync?.close();
      sync = null;
    },
    async webhook(identity, time = new Date().toISOString()) {
      const event = newCloudEvent({
        type: MessageType.KratosIdentityUpdated,
        source: 'test-ingress',
        id: randomUUID(),
        time,
        data: { identity },
      });
      await publisher.publish({
        exchange: messageRoutes.KratosIdentityUpdated.exchange,
        routingKey: messageRoutes.KratosIdentityUpdated.routingKey(event.data),
        messageId: event.id,
        type: event.type,
        body: event,
      });
    },
    async until(probe, ok, timeoutMs = 300_000) {
      const deadline = Date.now() + timeoutMs;
      let value = await probe();
      while (!ok(value) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        value = await probe();
      }
      return value;
    },
    async liveCount(provider) {
      const [row] = await db.prisma.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM identities WHERE provider = ${provider} AND deleted_at IS NULL`;
      return Number(row!.n);
    },
    educators: () => members('educators'),
    members,
    async dispose() {
      await sync?.close().catch(() => undefined);
      for (const close of closers.reverse()) await close().catch(() => undefined);
      await publisher.close().catch(() => undefined);
      await kratos.close().catch(() => undefined);
      await authentik.close().catch(() => undefined);
      await db.drop().catch(() => undefined);
      await vhost.dispose().catch(() => undefined);
    },
  };
}
