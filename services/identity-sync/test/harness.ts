import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { buildTopology, connectBus, QUEUES, type Bus } from '@identity-relay/bus';
import { createTestVhost, drainQueue, readQueue, waitForQueueSettled } from '@identity-relay/bus/testing';
import {
  messageRoutes,
  MessageType,
  newCloudEvent,
  type CloudEvent,
  type IdentityChangedData,
  type KratosIdentity,
} from '@identity-relay/contracts';
import { createPrismaClient, type PrismaClient } from '@identity-relay/db';
import { createTestDatabase } from '@identity-relay/db/testing';
import { createLogger, createMetrics } from '@identity-relay/runtime';
import { createIdentitySyncWorker, type IdentitySyncWorker } from '../src/index.js';

/** Real broker (own vhost) and real database (own database); nothing is faked. */
export interface Harness {
  vhostUrl: string;
  vhost: string;
  dbUrl: string;
  prisma: PrismaClient;
  publisher: Bus;
  workers: IdentitySyncWorker[];
  /** `batch` pins how a batch forms (e.g. exactly n messages, however slowly they are delivered). */
  startWorker(batch?: { batchSize: number; batchWaitMs: number }): Promise<IdentitySyncWorker>;
  publishKratos(identity: KratosIdentity, opts?: { id?: string; time?: string }): Promise<CloudEvent>;
  readChanges(count: number, timeoutMs?: number): Promise<CloudEvent<IdentityChangedData>[]>;
  /**
   * Every change that the messages published so far produce, once nothing more can come: identity-sync's queue
   * holds no message (each one acked, so its transaction committed) and the outbox has published every
   * versioned event (confirmed by the broker). Then takes all of the subscribers queue. The positive signal
   * that replaces "read for a while and count what came".
   */
  settledChanges(): Promise<CloudEvent<IdentityChangedData>[]>;
  dispose(): Promise<void>;
}

export async function startHarness(
  opts: { retryDelaysMs?: number[]; replicas?: number } = {},
): Promise<Harness> {
  const retryDelaysMs = opts.retryDelaysMs ?? [200, 400];
  const vhost = await createTestVhost();
  const db = await createTestDatabase();
  const logger = createLogger({ service: 'identity-sync-test', level: 'silent' });
  const topology = buildTopology({ retryDelaysMs });
  const publisher = await connectBus({ url: vhost.url, name: 'test-publisher', logger, topology });
  const closers: Array<() => Promise<void>> = [];
  const workers: IdentitySyncWorker[] = [];

  async function startWorker(batch?: {
    batchSize: number;
    batchWaitMs: number;
  }): Promise<IdentitySyncWorker> {
    const { registry } = createMetrics('identity-sync-test');
    const prisma = createPrismaClient({ databaseUrl: db.url, poolMax: 5, connectionTimeoutMs: 2000 });
    const bus = await connectBus({ url: vhost.url, name: 'identity-sync-test', logger, registry, topology });
    const worker = createIdentitySyncWorker({
      prisma,
      bus,
      logger,
      registry,
      config: { retryDelaysMs, prefetch: 20, publishTimeoutMs: 3000, ...batch },
      outboxPollMs: 100,
    });
    await worker.start();
    workers.push(worker);
    closers.push(async () => {
      await worker.stop(2000);
      await bus.close();
      await prisma.$disconnect();
    });
    return worker;
  }

  for (let i = 0; i < (opts.replicas ?? 1); i++) await startWorker();

  return {
    vhostUrl: vhost.url,
    vhost: vhost.vhost,
    dbUrl: db.url,
    prisma: db.prisma,
    publisher,
    workers,
    startWorker,
    async publishKratos(identity, o = {}) {
      const event = newCloudEvent({
        type: MessageType.KratosIdentityUpdated,
        source: 'test',
        id: o.id ?? randomUUID(),
        time: o.time ?? new Date().toISOString(),
        data: { identity },
      });
      await publisher.publish({
        exchange: messageRoutes.KratosIdentityUpdated.exchange,
        routingKey: messageRoutes.KratosIdentityUpdated.routingKey(event.data),
        messageId: event.id,
        type: event.type,
        body: event,
      });
      return event;
    },
    async readChanges(count, timeoutMs = 10_000) {
      // The subscribers queue is bound to identity.changes and has no consumer here: it collects every change.
      const msgs = await readQueue(vhost.url, QUEUES.subscribers, { count, timeoutMs });
      return msgs.map((m) => JSON.parse(m.content.toString()));
    },
    async settledChanges() {
      await waitForQueueSettled(vhost.url, QUEUES.identitySync);
      const unpublished = await waitFor(
        () =>
          db.prisma.$queryRaw<{ n: bigint }[]>`
            SELECT count(*) AS n FROM identity_outbox`,
        (rows) => Number(rows[0]!.n) === 0,
      );
      if (Number(unpublished[0]!.n) !== 0) throw new Error('the outbox did not publish every event');
      const msgs = await drainQueue(vhost.url, QUEUES.subscribers);
      return msgs.map((m) => JSON.parse(m.content.toString()));
    },
    async dispose() {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      await publisher.close().catch(() => undefined);
      await db.drop().catch(() => undefined);
      await vhost.dispose().catch(() => undefined);
    },
  };
}

export function kratosIdentity(
  id: string,
  over: Partial<KratosIdentity> & { traits?: Record<string, unknown> } = {},
): KratosIdentity {
  const email = (over.traits?.email as string | undefined) ?? `${id.slice(0, 8)}@school.example`;
  return {
    id,
    schema_id: 'edu',
    schema_url: 'http://kratos:4433/schemas/ZWR1',
    state: 'active',
    traits: { email, user_type: 'educator', name: { first: 'Ada', last: 'Lovelace' } },
    verifiable_addresses: [
      {
        id: randomUUID(),
        value: email,
        verified: true,
        via: 'email',
        status: 'completed',
        created_at: '2026-01-01T00:00:00Z',
        updated_at: '2026-01-01T00:00:00Z',
      },
    ],
    recovery_addresses: [
      {
        id: randomUUID(),
        value: email,
        via: 'email',
        created_at: '2026-01-01T00:00:00Z',
        updated_at: '2026-01-01T00:00:00Z',
      },
    ],
    metadata_public: null,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...over,
  } as KratosIdentity;
}

export async function waitFor<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 30_000, // generous: the first message of a file may wait behind a loaded machine's start-up
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    value = await probe();
  }
  return value;
}

export { QUEUES };

/** Closes every client connection of one vhost (other test files' vhosts are left alone). */
export function closeVhostConnections(vhost: string): number {
  const out = execFileSync('rabbitmqctl', ['-q', 'list_connections', 'pid', 'vhost'], { encoding: 'utf8' });
  let closed = 0;
  for (const line of out.split('\n')) {
    const [pid, vh] = line.trim().split(/\s+/);
    if (!pid || vh !== vhost) continue;
    try {
      execFileSync('rabbitmqctl', ['-q', 'close_connection', pid, 'fault injected by test'], {
        stdio: 'ignore',
      });
      closed++;
    } catch {
      // already gone
    }
  }
  return closed;
}

/** Makes one database refuse connections and drops the open ones, like a database going away. */
export async function setDatabaseAvailable(dbUrl: string, available: boolean): Promise<void> {
  const name = new URL(dbUrl).pathname.slice(1);
  const admin = new pg.Client({
    connectionString: Object.assign(new URL(dbUrl), { pathname: '/postgres' }).toString(),
  });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS ${available ? 'true' : 'false'}`);
    if (!available)
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [name],
      );
  } finally {
    await admin.end();
  }
}
