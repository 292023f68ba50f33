import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildTopology, connectBus, deadQueueName, HEADERS, type Bus } from '@identity-relay/bus';
import { readQueue } from '@identity-relay/bus/testing';
import {
  messageRoutes,
  MessageType,
  newCloudEvent,
  type AuthentikUserChangedData,
} from '@identity-relay/contracts';
import { createPrismaClient, type PrismaClient } from '@identity-relay/db';
import { createLogger, createMetrics } from '@identity-relay/runtime';
import { createIdentitySyncWorker, type IdentitySyncWorker } from '../src/index.js';
import { authentikUser, startAuthentikStandIn, type AuthentikStandIn } from '@identity-relay/test-support';
import { QUEUES, startHarness, waitFor, type Harness } from './harness.js';

// Real broker and database (harness), a local HTTP server standing in for Authentik's API.
const RETRY_DELAYS = [200, 400, 800];
let h: Harness;
let ak: AuthentikStandIn;
let worker: IdentitySyncWorker;
let bus: Bus;
let prisma: PrismaClient;

beforeAll(async () => {
  h = await startHarness({ replicas: 0, retryDelaysMs: RETRY_DELAYS });
  ak = await startAuthentikStandIn();
  const logger = createLogger({ service: 'identity-sync-authentik-test', level: 'silent' });
  const { registry } = createMetrics('identity-sync-authentik-test');
  prisma = createPrismaClient({ databaseUrl: h.dbUrl, poolMax: 5, connectionTimeoutMs: 2000 });
  bus = await connectBus({
    url: h.vhostUrl,
    name: 'identity-sync-authentik-test',
    logger,
    registry,
    topology: buildTopology({ retryDelaysMs: RETRY_DELAYS }),
  });
  worker = createIdentitySyncWorker({
    prisma,
    bus,
    logger,
    registry,
    config: {
      retryDelaysMs: RETRY_DELAYS,
      prefetch: 20,
      publishTimeoutMs: 3000,
      authentikUrl: ak.url,
      authentikToken: ak.token,
      authentikTimeoutMs: 300,
    },
    outboxPollMs: 100,
  });
  await worker.start();
});

afterAll(async () => {
  await worker?.stop(2000);
  await bus?.close();
  await prisma?.$disconnect();
  await ak?.close();
  await h?.dispose();
});

async function publish(data: AuthentikUserChangedData, time = new Date().toISOString()) {
  const event = newCloudEvent({
    type: MessageType.AuthentikUserChanged,
    source: 'test',
    id: randomUUID(),
    time,
    data,
  });
  await h.publisher.publish({
    exchange: messageRoutes.AuthentikUserChanged.exchange,
    routingKey: messageRoutes.AuthentikUserChanged.routingKey(data),
    messageId: event.id,
    type: event.type,
    body: event,
  });
  return event;
}

interface Row {
  email: string | null;
  username: string | null;
  state: string;
  traits: Record<string, unknown>;
  deleted_at: Date | null;
  version: number;
}

const row = (pk: number) =>
  h.prisma.$queryRaw<Row[]>`SELECT email, username, state, traits, deleted_at, version FROM identities
    WHERE provider = 'authentik' AND external_id = ${String(pk)}`.then((r) => r[0]);

describe('AuthentikUserChanged enrichment', () => {
  test('created → GET /api/v3/core/users/{pk}/ with the bearer token → identities row and IdentityChanged', async () => {
    ak.script(101, { kind: 'user', user: authentikUser(101) });
    await publish({ action: 'created', pk: 101 });
    const stored = await waitFor(
      () => row(101),
      (r) => r !== undefined,
    );
    expect(stored).toMatchObject({
      email: 'user101@school.edu',
      username: 'user101',
      state: 'active',
      deleted_at: null,
      version: 1,
    });
    expect(stored!.traits).toMatchObject({
      user_type: 'educator',
      name: 'Jane Doe',
      groups: ['teachers'],
      type: 'internal',
    });
    expect(ak.requests.find((r) => r.path === '/api/v3/core/users/101/')?.authorization).toBe(
      `Bearer ${ak.token}`,
    );
    const [change] = await h.readChanges(1);
    expect(change).toMatchObject({
      type: 'IdentityChanged',
      data: { change: 'created', identity: { provider: 'authentik', externalId: '101' } },
    });
  });

  test('updated (deactivated) → the row follows; deleted → tombstone by pk without calling the API', async () => {
    ak.script(102, { kind: 'user', user: authentikUser(102) });
    await publish({ action: 'created', pk: 102 }, '2026-05-01T10:00:00Z');
    await waitFor(
      () => row(102),
      (r) => r !== undefined,
    );
    ak.script(102, { kind: 'user', user: authentikUser(102, { is_active: false }) });
    await publish({ action: 'updated', pk: 102 }, '2026-05-01T11:00:00Z');
    expect(
      (
        await waitFor(
          () => row(102),
          (r) => r?.state === 'inactive',
        )
      )?.state,
    ).toBe('inactive');
    const calls = ak.requests.length;
    await publish({ action: 'deleted', pk: 102 }, '2026-05-01T12:00:00Z');
    expect(
      (
        await waitFor(
          () => row(102),
          (r) => r?.deleted_at != null,
        )
      )?.deleted_at,
    ).not.toBeNull();
    expect(ak.requests.length).toBe(calls);
    await h.readChanges(3);
  });

  test('404 on created: the user is already gone → tombstone', async () => {
    await publish({ action: 'created', pk: 103 }); // not scripted: the stand-in answers 404
    const stored = await waitFor(
      () => row(103),
      (r) => r?.deleted_at != null,
    );
    expect(stored?.deleted_at).not.toBeNull();
    await h.readChanges(1);
  });

  test('a slow answer (timeout) and a 503 are retried through the bus until the user arrives', async () => {
    ak.script(
      104,
      { kind: 'slow', delayMs: 1000, then: { kind: 'user', user: authentikUser(104) } },
      { kind: 'status', status: 503 },
      { kind: 'user', user: authentikUser(104) },
    );
    await publish({ action: 'created', pk: 104 });
    const stored = await waitFor(
      () => row(104),
      (r) => r !== undefined,
      20_000,
    );
    expect(stored?.email).toBe('user104@school.edu');
    expect(ak.requests.filter((r) => r.path === '/api/v3/core/users/104/').length).toBe(3);
    await h.readChanges(1);
  });

  test('429 and 500 are transient too', async () => {
    ak.script(
      105,
      { kind: 'status', status: 429 },
      { kind: 'status', status: 500 },
      { kind: 'user', user: authentikUser(105) },
    );
    await publish({ action: 'updated', pk: 105 });
    expect(
      await waitFor(
        () => row(105),
        (r) => r !== undefined,
        20_000,
      ),
    ).toBeDefined();
    await h.readChanges(1);
  });

  test('401 dead-letters at once with a clear reason, no row', async () => {
    ak.script(106, { kind: 'status', status: 401, body: { detail: 'Token invalid/expired' } });
    const event = await publish({ action: 'created', pk: 106 });
    const [dead] = await readQueue(h.vhostUrl, deadQueueName(QUEUES.identitySync), {
      count: 1,
      timeoutMs: 10_000,
    });
    expect(dead?.properties.messageId).toBe(event.id);
    expect(dead?.properties.headers?.[HEADERS.errorCode]).toBe('AUTHENTIK_UNAUTHORIZED');
    expect(String(dead?.properties.headers?.[HEADERS.error])).toMatch(/AUTHENTIK_TOKEN/);
    expect(dead?.properties.headers?.[HEADERS.attempts]).toBe(1);
    expect(await row(106)).toBeUndefined();
    expect(ak.requests.filter((r) => r.path === '/api/v3/core/users/106/').length).toBe(1);
  });

  test('a redelivered duplicate (same message id) is applied once', async () => {
    ak.script(107, { kind: 'user', user: authentikUser(107) });
    const event = newCloudEvent({
      type: MessageType.AuthentikUserChanged,
      source: 'test',
      id: randomUUID(),
      data: { action: 'created' as const, pk: 107 },
    });
    for (let i = 0; i < 2; i++) {
      await h.publisher.publish({
        exchange: 'identity.events',
        routingKey: 'authentik.user.created',
        messageId: event.id,
        type: event.type,
        body: event,
      });
    }
    await waitFor(
      () => row(107),
      (r) => r !== undefined,
    );
    const changes = await h.settledChanges(); // the copy was handled too
    expect((await row(107))?.version).toBe(1);
    expect(changes.filter((c) => c.data.identity.externalId === '107')).toHaveLength(1);
  });
});
