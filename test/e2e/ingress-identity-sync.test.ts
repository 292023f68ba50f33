// Ingress → real broker → identity-sync worker → real database, with a local stand-in for Authentik's API.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildTopology, connectBus, type Bus } from '@identity-relay/bus';
import { createPrismaClient, type PrismaClient } from '@identity-relay/db';
import { createLogger, createMetrics, loadConfig } from '@identity-relay/runtime';
import { createIdentitySyncWorker, type IdentitySyncWorker } from '@identity-relay/identity-sync';
import { authentikUser, startAuthentikStandIn, type AuthentikStandIn } from '@identity-relay/test-support';
import {
  kratosIdentity,
  startHarness,
  waitFor,
  type Harness,
} from '../../services/identity-sync/test/harness.js';
import { createIngress } from '@identity-relay/ingress';
import { KEYS } from '../../services/ingress/test/ingress-harness.js';

let h: Harness;
let ak: AuthentikStandIn;
let ingressBus: Bus;
let syncBus: Bus;
let prisma: PrismaClient;
let worker: IdentitySyncWorker;
let server: Server;
let base: string;

beforeAll(async () => {
  h = await startHarness({ replicas: 0 });
  ak = await startAuthentikStandIn();
  const logger = createLogger({ service: 'e2e', level: 'silent' });
  const topology = buildTopology({ retryDelaysMs: [200, 400] });
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      AMQP_URL: h.vhostUrl,
      KRATOS_API_KEY: KEYS.kratos,
      AUTHENTIK_WEBHOOK_TOKEN: KEYS.authentik,
      HOOKS_API_KEY: KEYS.hooks,
      NOTIFY_API_KEY: KEYS.notify,
    },
    { service: 'ingress' },
  );
  const ingressMetrics = createMetrics('e2e-ingress');
  ingressBus = await connectBus({
    url: h.vhostUrl,
    name: 'e2e-ingress',
    logger,
    registry: ingressMetrics.registry,
    topology,
  });
  const app = createIngress({
    config,
    logger,
    registry: ingressMetrics.registry,
    publisher: ingressBus,
    isBrokerConnected: () => ingressBus.isConnected(),
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const syncMetrics = createMetrics('e2e-sync');
  prisma = createPrismaClient({ databaseUrl: h.dbUrl, poolMax: 5 });
  syncBus = await connectBus({
    url: h.vhostUrl,
    name: 'e2e-sync',
    logger,
    registry: syncMetrics.registry,
    topology,
  });
  worker = createIdentitySyncWorker({
    prisma,
    bus: syncBus,
    logger,
    registry: syncMetrics.registry,
    config: {
      retryDelaysMs: [200, 400],
      prefetch: 10,
      publishTimeoutMs: 3000,
      authentikUrl: ak.url,
      authentikToken: ak.token,
      authentikTimeoutMs: 1000,
    },
    outboxPollMs: 100,
  });
  await worker.start();
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await worker?.stop(2000);
  await syncBus?.close();
  await ingressBus?.close();
  await prisma?.$disconnect();
  await ak?.close();
  await h?.dispose();
});

const post = (path: string, body: unknown, headers: Record<string, string>) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('end to end', () => {
  test('Kratos retries one trigger: two POSTs, identical message ids, one row and one IdentityChanged', async () => {
    const identity = kratosIdentity(randomUUID());
    const headers = { 'x-api-key': KEYS.kratos, 'ory-webhook-trigger-id': randomUUID() };
    const a = (await (await post('/kratos/sync-identity', { identity }, headers)).json()) as { id: string };
    const b = (await (await post('/kratos/sync-identity', { identity }, headers)).json()) as { id: string };
    expect(a.id).toBe(b.id);
    const rows = await waitFor(
      () =>
        h.prisma.$queryRaw<
          { version: number }[]
        >`SELECT version FROM identities WHERE provider = 'kratos' AND external_id = ${identity.id}`,
      (r) => r.length === 1,
    );
    expect(rows).toEqual([{ version: 1 }]);
    const changes = await h.settledChanges(); // the duplicate was handled too
    const events = await h.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM identity_events e JOIN identities i ON i.id = e.identity_id WHERE i.external_id = ${identity.id}`;
    expect(Number(events[0]!.n)).toBe(1);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      data: { change: 'created', identity: { provider: 'kratos', externalId: identity.id } },
    });
  });

  test('an Authentik user created → enriched → identities row with provider authentik and an IdentityChanged event', async () => {
    ak.script(4242, {
      kind: 'user',
      user: authentikUser(4242, { email: 'grace@school.edu', username: 'grace' }),
    });
    const res = await post(
      '/authentik/webhook',
      { event_type: 'model_created', pk: 4242 },
      { authorization: `Bearer ${KEYS.authentik}` },
    );
    expect(res.status).toBe(200);
    const row = await waitFor(
      () =>
        h.prisma.$queryRaw<
          { email: string; username: string }[]
        >`SELECT email, username FROM identities WHERE provider = 'authentik' AND external_id = '4242'`,
      (r) => r.length === 1,
    );
    expect(row[0]).toEqual({ email: 'grace@school.edu', username: 'grace' });
    const [change] = await h.readChanges(1);
    expect(change).toMatchObject({
      type: 'IdentityChanged',
      data: {
        change: 'created',
        identity: { provider: 'authentik', externalId: '4242', email: 'grace@school.edu' },
      },
    });
  });
});
