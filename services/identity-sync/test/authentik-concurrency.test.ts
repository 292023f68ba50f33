import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildTopology, connectBus, type Bus } from '@identity-relay/bus';
import { messageRoutes, MessageType, newCloudEvent } from '@identity-relay/contracts';
import { createPrismaClient, type PrismaClient } from '@identity-relay/db';
import { createLogger, createMetrics } from '@identity-relay/runtime';
import { createIdentitySyncWorker, type IdentitySyncWorker } from '../src/index.js';
import { authentikUser, startAuthentikStandIn, type AuthentikStandIn } from '@identity-relay/test-support';
import { startHarness, waitFor, type Harness } from './harness.js';

// Real broker and database (harness); a local HTTP server stands in for Authentik's API, holds every request
// until the test releases it and records how many requests it holds at once. Nothing here depends on how fast
// the machine is: each wave is released only once the stand-in holds a full wave, and the holds are lower bounds.
const RETRY_DELAYS = [200, 400];
const CONCURRENCY = 4;
const WAVES = 3;
const USERS = CONCURRENCY * WAVES;
// Each of the first waves is held this long, so the last wave waits longer than the timeout in the client's
// queue while no call is in flight for longer than HOLD_MS plus one local round trip (TIMEOUT_MS - HOLD_MS spare).
const TIMEOUT_MS = 3000;
const HOLD_MS = Math.ceil(TIMEOUT_MS / (WAVES - 1)) + 100;
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
      batchSize: 50, // the whole burst fits one batch: all lookups at once without the bound
      batchWaitMs: 200,
      authentikUrl: ak.url,
      authentikToken: ak.token,
      // Shorter than the last wave's wait in the queue: a timeout clock started while queueing would fail it.
      authentikTimeoutMs: TIMEOUT_MS,
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function untilHeld(n: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (ak.held < n && Date.now() < deadline) await sleep(10);
  expect(ak.held).toBe(n);
}

describe('AuthentikUserChanged enrichment under AUTHENTIK_CONCURRENCY', () => {
  test(`a batch of ${USERS} user changes keeps at most ${CONCURRENCY} API calls in flight and applies them all`, async () => {
    const pks = Array.from({ length: USERS }, (_, i) => FIRST_PK + i);
    for (const pk of pks) {
      ak.script(pk, { kind: 'held', then: { kind: 'user', user: authentikUser(pk) } });
      await publishCreated(pk);
    }
    // Published before the worker starts, so the first deliveries arrive together as one batch.
    worker = await startWorker();
    for (let wave = 1; wave <= WAVES; wave++) {
      await untilHeld(CONCURRENCY);
      // Time for any call beyond the bound to arrive (without the bound, the whole batch is sent at once).
      if (wave < WAVES) await sleep(HOLD_MS);
      expect(ak.inFlight).toBe(CONCURRENCY);
      expect(ak.release()).toBe(CONCURRENCY);
    }
    expect(await waitFor(countRows, (n) => n === USERS, 20_000)).toBe(USERS);
    expect(ak.maxInFlight).toBe(CONCURRENCY);
    // Each user fetched exactly once: no lookup timed out, though the last wave queued longer than the timeout.
    const fetched = ak.requests.map((r) => Number(/\/users\/(\d+)\//.exec(r.path)?.[1]));
    expect(fetched.sort((a, b) => a - b)).toEqual(pks);
    expect(ak.requests.at(-1)!.at - ak.requests[0]!.at).toBeGreaterThan(TIMEOUT_MS);
    expect(ak.inFlight).toBe(0);
  });
});
