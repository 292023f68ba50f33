import { randomUUID } from 'node:crypto';
import {
  buildTopology,
  connectBrokerAdmin,
  connectBus,
  EXCHANGES,
  QUEUES,
  TransientError,
  type BrokerAdmin,
  type Bus,
  type Consumer,
  type MessageHandler,
} from '@identity-relay/bus';
import { createTestVhost, type TestVhost } from '@identity-relay/bus/testing';
import type { PrismaClient } from '@identity-relay/db';
import { createTestDatabase, type TestDatabase } from '@identity-relay/db/testing';
import { createLogger } from '@identity-relay/runtime';
import { Registry } from 'prom-client';
import {
  createDeadLetterArchive,
  createOps,
  DeadLetterActions,
  DeadLetterRepository,
  type DeadLetterArchive,
} from '../src/index.js';

export const RETRY_DELAYS_MS = [50];

/** Where each work queue's messages are published, and a message type its consumer handles. */
export const ROUTES = {
  [QUEUES.identitySync]: {
    exchange: EXCHANGES.identityEvents,
    routingKey: 'kratos.identity.updated',
    type: 'KratosIdentityUpdated',
  },
  [QUEUES.subscribers]: {
    exchange: EXCHANGES.identityChanges,
    routingKey: 'identity.updated',
    type: 'IdentityChanged',
  },
  [QUEUES.notifier]: {
    exchange: EXCHANGES.notifications,
    routingKey: 'notification.news',
    type: 'NotificationRequested',
  },
} as const;
export type WorkQueue = keyof typeof ROUTES;

/** Real broker (own vhost), real database (own database), the real archive; workers are test consumers on the real runtime. */
export interface OpsHarness {
  vhost: TestVhost;
  db: TestDatabase;
  prisma: PrismaClient;
  bus: Bus;
  admin: BrokerAdmin;
  archive: DeadLetterArchive;
  repo: DeadLetterRepository;
  actions: DeadLetterActions;
  /** Every ops service over this broker and database, as `createOps` wires them. */
  services: ReturnType<typeof createOps>;
  /** A consumer on `queue` that fails (TransientError) while `broken()` is true and records handled ids otherwise. */
  startWorker(queue: WorkQueue, broken: () => boolean): Promise<Consumer>;
  handled: Map<string, string[]>;
  publish(
    queue: WorkQueue,
    opts?: { id?: string; body?: Buffer | object; headers?: Record<string, unknown> },
  ): Promise<string>;
  waitForDeadLetters(count: number, timeoutMs?: number): Promise<void>;
  /**
   * Whoever downstream listens for erasures: a queue bound to identity.erasures in this vhost (IdentityErased is
   * published mandatory, so an erasure with no listener fails). Returns the queue's name.
   */
  listenForErasures(): Promise<string>;
  dispose(): Promise<void>;
}

export async function startOpsHarness(): Promise<OpsHarness> {
  const vhost = await createTestVhost();
  const db = await createTestDatabase();
  const logger = createLogger({ service: 'ops-test', level: 'silent' });
  const topology = buildTopology({ retryDelaysMs: RETRY_DELAYS_MS });
  const bus = await connectBus({ url: vhost.url, name: 'ops-test', logger, topology });
  const admin = await connectBrokerAdmin({ url: vhost.url, name: 'ops-test-admin', logger });
  const archive = createDeadLetterArchive({ admin, prisma: db.prisma, logger, registry: new Registry() });
  await archive.start();
  const services = createOps({ prisma: db.prisma, bus, admin, retryDelaysMs: RETRY_DELAYS_MS });
  const { repo, actions } = services;
  const consumers: Consumer[] = [];
  const handled = new Map<string, string[]>();

  async function startWorker(queue: WorkQueue, broken: () => boolean): Promise<Consumer> {
    const handler: MessageHandler = async (msg) => {
      if (broken()) throw new TransientError(`downstream refused message ${msg.messageId} after 3000 ms`);
      await db.prisma.$transaction(
        (tx) =>
          tx.$executeRaw`INSERT INTO processed_messages (consumer, message_id) VALUES (${queue}, ${msg.messageId}) ON CONFLICT DO NOTHING`,
      );
      handled.set(queue, [...(handled.get(queue) ?? []), msg.messageId ?? '']);
    };
    const consumer = await bus.consume({
      queue,
      service: `${queue}-test`,
      retryDelaysMs: RETRY_DELAYS_MS,
      handlers: { [ROUTES[queue].type]: handler },
    });
    consumers.push(consumer);
    return consumer;
  }

  return {
    vhost,
    db,
    prisma: db.prisma,
    bus,
    admin,
    archive,
    repo,
    actions,
    services,
    startWorker,
    handled,
    async publish(queue, opts = {}) {
      const id = opts.id ?? randomUUID();
      const route = ROUTES[queue];
      await bus.publish({
        exchange: route.exchange,
        routingKey: route.routingKey,
        messageId: id,
        type: route.type,
        body: opts.body ?? { specversion: '1.0', id, type: route.type, source: 'test', data: { n: 1 } },
        headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', ...opts.headers },
      });
      return id;
    },
    async listenForErasures() {
      const queue = 'erasures-listener';
      await admin.declare({
        exchanges: [],
        queues: [{ name: queue, durable: true, arguments: {} }],
        bindings: [{ exchange: EXCHANGES.identityErasures, queue, routingKey: 'identity.erased' }],
      });
      return queue;
    },
    async waitForDeadLetters(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const n = await db.prisma.deadLetter.count();
        if (n >= count) return;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} dead letters (have ${n})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async dispose() {
      for (const c of consumers) await c.stop(1000).catch(() => undefined);
      await archive.stop(1000).catch(() => undefined);
      await admin.close().catch(() => undefined);
      await bus.close().catch(() => undefined);
      await db.drop().catch(() => undefined);
      await vhost.dispose().catch(() => undefined);
    },
  };
}
