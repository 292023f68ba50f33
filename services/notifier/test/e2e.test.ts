/**
 * Acceptance: a Kratos educator registration → ingress → identity-sync → IdentityChanged → subscribers →
 * subscribed; then POST /notifications for `educators` → exactly one email to that educator, as an .eml
 * file by default and over SMTP when configured. Every part is the real one, wired in this process on a
 * real broker (own vhost) and database (own database).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildTopology, connectBus, type Bus } from '@identity-relay/bus';
import { educatorIdentity } from '@identity-relay/contracts/fixtures';
import { createPrismaClient, type PrismaClient } from '@identity-relay/db';
import { createIdentitySyncWorker } from '@identity-relay/identity-sync';
import { createIngress } from '@identity-relay/ingress';
import { createLogger, createMetrics, loadConfig } from '@identity-relay/runtime';
import { createSubscribersWorker, defaultRules } from '@identity-relay/subscribers';
import { exam, startHarness, type Harness } from './harness.js';
import { startSmtpServer } from './smtp-server.js';

const KRATOS_KEY = 'kratos-key-e2e';
const NOTIFY_KEY = 'notify-key-e2e';
const EDUCATOR = 'ada.lovelace@example.edu';
const mailDir = mkdtempSync(join(tmpdir(), 'ir-mail-'));

let h: Harness;
let base: string;
const closers: Array<() => Promise<unknown>> = [];

async function startPipeline(): Promise<void> {
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
    { NODE_ENV: 'test', AMQP_URL: h.vhostUrl, KRATOS_API_KEY: KRATOS_KEY, NOTIFY_API_KEY: NOTIFY_KEY },
    { service: 'ingress' },
  );
  const { bus, registry } = await connect('ingress');
  const server: Server = createIngress({
    config: ingressConfig,
    logger,
    registry,
    publisher: bus,
    isBrokerConnected: () => bus.isConnected(),
  }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  closers.unshift(() => new Promise((r) => server.close(r)));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const post = (path: string, key: string, body: unknown) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  h = await startHarness();
  await startPipeline();
});
afterAll(async () => {
  for (const close of closers) await close().catch(() => undefined);
  await h?.dispose();
});

test('a Kratos educator registration followed by POST /notifications yields exactly one email to that educator', async () => {
  const student = {
    ...educatorIdentity,
    id: '9a1d3c55-0f4e-4b7a-8c2d-6e5f4a3b2c1d',
    traits: { email: 'pupil@example.edu', user_type: 'student' },
  };
  for (const identity of [educatorIdentity, student])
    expect((await post('/kratos/sync-identity', KRATOS_KEY, { identity })).status).toBe(200);
  const subscribed = await h.waitFor(
    () =>
      h.prisma.$queryRaw<
        { list: string; email: string }[]
      >`SELECT list, email FROM subscribers WHERE unsubscribed_at IS NULL`,
    (rows) => rows.length > 0,
  );
  expect(subscribed).toEqual([{ list: 'educators', email: EDUCATOR }]);

  // Default: no SMTP_URL → .eml files in MAIL_DIR.
  const stopFiles = await h.startNotifier({ mailDir });
  const res = await post('/notifications', NOTIFY_KEY, exam());
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  const files = await h.waitFor(
    () => readdirSync(mailDir).filter((f) => f.endsWith('.eml')),
    (f) => f.length > 0,
  );
  await new Promise((r) => setTimeout(r, 500)); // nothing else may arrive
  expect(readdirSync(mailDir)).toEqual(files);
  expect(files).toHaveLength(1);
  const mail = await simpleParser(readFileSync(join(mailDir, files[0]!)));
  expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : []).toEqual([EDUCATOR]);
  expect(mail.subject).toBe(exam().subject);
  expect(mail.messageId).toMatch(new RegExp(`^<${id}\\.[0-9a-f]{32}@school\\.example>$`));
  expect(await h.deliveries(id)).toMatchObject([{ email: EDUCATOR, status: 'sent', attempts: 1 }]);
  await stopFiles();

  // Configured: SMTP_URL → sent over SMTP.
  const smtp = await startSmtpServer();
  const stopSmtp = await h.startNotifier({ smtpUrl: `smtp://127.0.0.1:${smtp.port}` });
  try {
    const second = await post(
      '/notifications',
      NOTIFY_KEY,
      exam({ topic: 'exam.answered', subject: 'A student answered' }),
    );
    expect(second.status).toBe(202);
    await h.waitFor(
      () => smtp.received.length,
      (n) => n > 0,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.received.map((m) => [m.to, m.subject])).toEqual([[[EDUCATOR], 'A student answered']]);
    expect(readdirSync(mailDir)).toHaveLength(1);
  } finally {
    await stopSmtp();
    await smtp.close();
  }
});
