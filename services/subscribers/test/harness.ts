import { randomUUID } from 'node:crypto';
import { buildTopology, connectBus, type Bus } from '@identity-relay/bus';
import { createTestVhost } from '@identity-relay/bus/testing';
import {
  messageRoutes,
  MessageType,
  newCloudEvent,
  type CanonicalIdentity,
  type IdentityChangedData,
  type UnsubscribeRequestedData,
} from '@identity-relay/contracts';
import { createPrismaClient, type PrismaClient } from '@identity-relay/db';
import { createTestDatabase } from '@identity-relay/db/testing';
import { createLogger, createMetrics } from '@identity-relay/runtime';
import { createSubscribersWorker, type ListRule, type SubscribersWorker } from '../src/index.js';

/** Real broker (own vhost) and real database (own database); IdentityChanged is published as identity-sync would. */
export interface Harness {
  prisma: PrismaClient;
  worker: SubscribersWorker;
  /** Publishes one IdentityChanged and resolves after the broker's confirm; returns its message id. */
  publish(data: IdentityChangedData, id?: string): Promise<string>;
  /** Publishes one UnsubscribeRequested (as the ingress would) made at `time`; returns its message id. */
  unsubscribe(data: UnsubscribeRequestedData, time?: Date): Promise<string>;
  /** Resolves once every given message id is in the worker's inbox. */
  processed(ids: string[], timeoutMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

export async function startHarness(rules: ListRule[]): Promise<Harness> {
  const retryDelaysMs = [200, 400];
  const vhost = await createTestVhost();
  const db = await createTestDatabase();
  const logger = createLogger({ service: 'subscribers-test', level: 'silent' });
  const topology = buildTopology({ retryDelaysMs });
  const publisher: Bus = await connectBus({ url: vhost.url, name: 'test-publisher', logger, topology });
  const { registry } = createMetrics('subscribers-test');
  const prisma = createPrismaClient({ databaseUrl: db.url, poolMax: 5 });
  const bus = await connectBus({ url: vhost.url, name: 'subscribers-test', logger, registry, topology });
  const worker = createSubscribersWorker({
    prisma,
    bus,
    logger,
    registry,
    rules,
    config: { retryDelaysMs, prefetch: 10 },
  });
  await worker.start();

  return {
    prisma: db.prisma,
    worker,
    async publish(data, id = randomUUID()) {
      const event = newCloudEvent({
        type: MessageType.IdentityChanged,
        source: 'test',
        id,
        subject: data.identityId,
        data,
      });
      await publisher.publish({
        exchange: messageRoutes.IdentityChanged.exchange,
        routingKey: messageRoutes.IdentityChanged.routingKey(data),
        messageId: event.id,
        type: event.type,
        body: event,
      });
      return id;
    },
    async unsubscribe(data, time = new Date()) {
      const event = newCloudEvent({ type: MessageType.UnsubscribeRequested, source: 'test', data, time });
      await publisher.publish({
        exchange: messageRoutes.UnsubscribeRequested.exchange,
        routingKey: messageRoutes.UnsubscribeRequested.routingKey(data),
        messageId: event.id,
        type: event.type,
        body: event,
      });
      return event.id;
    },
    async processed(ids, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [row] = await db.prisma.$queryRaw<{ n: bigint }[]>`
          SELECT count(*) AS n FROM processed_messages WHERE consumer = 'subscribers' AND message_id = ANY(${ids}::text[])`;
        if (Number(row!.n) === new Set(ids).size) return;
        if (Date.now() > deadline) throw new Error(`only ${row!.n} of ${ids.length} messages processed`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async dispose() {
      await worker.stop(2000).catch(() => undefined);
      await bus.close().catch(() => undefined);
      await prisma.$disconnect().catch(() => undefined);
      await publisher.close().catch(() => undefined);
      await db.drop().catch(() => undefined);
      await vhost.dispose().catch(() => undefined);
    },
  };
}

/** A canonical Kratos identity with an `user_type` trait, as identity-sync would publish it. */
export function identity(
  externalId: string,
  over: Partial<CanonicalIdentity> & { userType?: string } = {},
): CanonicalIdentity {
  const { userType = 'educator', ...rest } = over;
  const email = rest.email ?? `${externalId.slice(0, 8)}@School.example`;
  return {
    provider: 'kratos',
    externalId,
    email,
    username: null,
    emailVerified: true,
    state: 'active',
    traits: { email, user_type: userType },
    sourceUpdatedAt: '2026-01-01T00:00:00.000Z',
    ...rest,
  };
}

/** Builds the v1..vN IdentityChanged sequence of one identity from its successive states (null = deleted). */
export function history(
  identityId: string,
  states: CanonicalIdentity[],
  opts: { deleteAtEnd?: boolean } = {},
): IdentityChangedData[] {
  const out: IdentityChangedData[] = states.map((s, i) => ({
    identityId,
    change: i === 0 ? 'created' : 'updated',
    identity: s,
    previous: i === 0 ? null : states[i - 1]!,
    version: i + 1,
  }));
  if (opts.deleteAtEnd) {
    const last = states[states.length - 1]!;
    out.push({
      identityId,
      change: 'deleted',
      identity: { ...last, state: 'inactive' },
      previous: last,
      version: states.length + 1,
    });
  }
  return out;
}
