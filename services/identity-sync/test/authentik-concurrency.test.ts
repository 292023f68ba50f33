import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildTopology, connectBus, type Bus } from '@identity-relay/bus';
import { messageRoutes, MessageType, newCloudEvent } from '@identity-relay/contracts';
import { createPrismaClient, type PrismaClient } from '@identity-relay/db';
import { createLogger, createMetrics } from '@identity-relay/runtime';
import { createIdentitySyncWorker, type IdentitySyncWorker } from '../src/index.js';
import { authentikUser, startAuthentikStandIn, type AuthentikStandIn } from '@identity-relay/test-support';
import { startHarness, waitFor, type Harness } from './harness.js';

// Real broker and database (harness); a local HTTP server stands in for Authentik's API, answers slowly and
// records how many requests it holds at once.
const RETRY_DELAYS = [200, 400];
const CONCURRENCY = 4;
const USERS = 40;
const FIRST_PK = 5000;
let h: Harness;
let ak: AuthentikStandIn;
let worker: IdentitySyncWorker | undefined;
let bus: Bus;
let prisma: PrismaClient;

beforeAll(async () => {
  h = await startHarness({ replicas: 0, retryDelaysMs: RETRY_DELAYS });
  ak = await startAuthentikStandIn();
});

afterAll(async () => {
  await worker?.stop(2000);
  await bus?.close();
  await prisma?.$disconnect();
  await ak?.close();
  await h?.dispose();
});

async function startWorker(): Promise<IdentitySyncWorker> {
  const logger = createLogger({ service: 'identity-sync-authentik-concurrency-test', level: 'silent' });
  const { registry } = createMetrics('identity-sync-authentik-concurrency-test');
  prisma = createPrismaClient({ databaseUrl: h.dbUrl, poolMax: 5, connectionTimeoutMs: 2000 });
  bus = await connectBus({
    url: h.vhostUrl,
    name: 'identity-sync-authentik-concurrency-test',
    logger,
    registry,
    topology: buildTopology({ retryDelaysMs: RETRY_DELAYS }),
  });
  const started = createIdentitySyncWorker({
    prisma,
    bus,
    logger,
    registry,
    config: {
      retryDelaysMs: RETRY_DELAYS,
      prefetch: 20,
      publishTimeoutMs: 3000,
      batchSize: 50, // the whole burst fits one batch: 40 lookups at once without the bound
      batchWaitMs: 200,
      authentikUrl: ak.url,
      authentikToken: ak.token,
      // Short enough that a timeout clock started while queueing would fail the later lookups.
      authentikTimeoutMs: 400,
      authentikConcurrency: CONCURRENCY,
    },
    outboxPollMs: 100,
  });
  await started.start();
  return started;
}

async function publishCreated(pk: number): Promise<void> {
  const data = { action: 'created' as const, pk };
  const event = newCloudEvent({
    type: MessageType.AuthentikUserChanged,
    source: 'test',
    id: randomUUID(),
    data,
  });
  await h.publisher.publish({
    exchange: messageRoutes.AuthentikUserChanged.exchange,
    routingKey: messageRoutes.AuthentikUserChanged.routingKey(data),
    messageId: event.id,
    type: event.type,
    body: event,
  });
}

const countRows = () =>
  h.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM identities
    WHERE provider = 'authentik' AND deleted_at IS NULL`.then((r) => r[0]!.n);

describe('AuthentikUserChanged enrichment under AUTHENTIK_CONCURRENCY', () => {
  test(`a batch of ${USERS} user changes keeps at most ${CONCURRENCY} API calls in flight and applies them all`, async () => {
    const pks = Array.from({ length: USERS }, (_, i) => FIRST_PK + i);
    for (const pk of pks) {
      ak.script(pk, { kind: 'slow', delayMs: 100, then: { kind: 'user', user: authentikUser(pk) } });
      await publishCreated(pk);
    }
    // Published before the worker starts, so the first deliveries arrive together as one batch.
    worker = await startWorker();
    expect(await waitFor(countRows, (n) => n === USERS, 20_000)).toBe(USERS);
    expect(ak.maxInFlight).toBe(CONCURRENCY);
    // Each user fetched exactly once: no lookup timed out while it waited for its turn.
    const fetched = ak.requests.map((r) => Number(/\/users\/(\d+)\//.exec(r.path)?.[1]));
    expect(fetched.sort((a, b) => a - b)).toEqual(pks);
    expect(ak.inFlight).toBe(0);
  });
});
