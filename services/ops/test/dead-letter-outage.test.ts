// Real RabbitMQ (own vhost, with the policy that gives every queue RabbitMQ 4's default quorum delivery
// limit of 20) and real Postgres (own database; the archive connects as its own role, whose INSERT on
// dead_letters is revoked for 60 s). Nothing faked: the archive fails on the real permission error.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  buildTopology,
  connectBrokerAdmin,
  connectBus,
  deadQueueName,
  QUEUES,
  type Bus,
} from '@identity-relay/bus';
import { createTestVhost, queueDepth, type TestVhost } from '@identity-relay/bus/testing';
import { createPrismaClient, type PrismaClient } from '@identity-relay/db';
import { createTestDatabase, type TestDatabase } from '@identity-relay/db/testing';
import { createLogger } from '@identity-relay/runtime';
import { createDeadLetterArchive, type DeadLetterArchive } from '../src/archive/archive.js';

const run = promisify(execFile);
const OUTAGE_MS = 60_000;
const PER_QUEUE = 30;
const role = `ir_archive_${randomBytes(4).toString('hex')}`;
let vhost: TestVhost;
let db: TestDatabase;
let bus: Bus;
let archivePrisma: PrismaClient;
let archive: DeadLetterArchive;
const closers: (() => Promise<unknown>)[] = [];

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  vhost = await createTestVhost();
  // What RabbitMQ 4.x does by default: every quorum queue gets a delivery limit of 20.
  await run('rabbitmqctl', [
    '-q',
    'set_policy',
    '-p',
    vhost.vhost,
    'dl20',
    '.*',
    '{"delivery-limit":20}',
    '--apply-to',
    'queues',
  ]);
  db = await createTestDatabase();
  await sql(`CREATE ROLE ${role} LOGIN;
    GRANT USAGE ON SCHEMA public TO ${role};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role};`);
  const logger = createLogger({ service: 'ops-outage-test', level: 'silent' });
  const topology = buildTopology({ retryDelaysMs: [100] });
  bus = await connectBus({ url: vhost.url, name: 'outage-test', logger, topology });
  closers.push(() => bus.close());
  const archiveUrl = new URL(db.url);
  archiveUrl.username = role;
  archivePrisma = createPrismaClient({
    databaseUrl: archiveUrl.toString(),
    poolMax: 4,
    applicationName: 'ops',
  });
  closers.push(() => archivePrisma.$disconnect());
  const admin = await connectBrokerAdmin({ url: vhost.url, name: 'outage-archive', logger });
  closers.push(() => admin.close());
  archive = createDeadLetterArchive({ admin, prisma: archivePrisma, logger, registry: new Registry() });
  await archive.start();
  closers.push(() => archive.stop(1000));
}, 60_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await db?.drop().catch(() => undefined);
  await sql(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
  await vhost?.dispose().catch(() => undefined);
}, 60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it(
  'keeps every dead letter through a 60 s archive outage under a delivery limit of 20 (RabbitMQ 4 default)',
  { timeout: 180_000 },
  async () => {
    const policies = (await run('rabbitmqctl', ['-q', 'list_queues', '-p', vhost.vhost, 'name', 'policy']))
      .stdout;
    for (const queue of Object.values(QUEUES))
      expect(policies).toMatch(new RegExp(`${deadQueueName(queue)}\\s+dl20`));

    await sql(`REVOKE INSERT ON dead_letters FROM ${role}`);
    const outageEnds = Date.now() + OUTAGE_MS;
    const ids: string[] = [];
    // Dead letters keep arriving during the first half of the outage.
    for (let i = 0; i < PER_QUEUE; i++) {
      for (const queue of Object.values(QUEUES)) {
        const id = `${queue}-dead-${i}`;
        ids.push(id);
        await bus.publish({
          exchange: '',
          routingKey: deadQueueName(queue),
          messageId: id,
          type: 'KratosIdentityUpdated',
          body: { id },
          headers: { 'x-error': 'gave up', 'x-error-class': 'TransientError' },
        });
      }
      await sleep(1000);
    }
    expect(await archivePrisma.deadLetter.count()).toBe(0); // the outage is real
    await sleep(Math.max(0, outageEnds - Date.now()));
    await sql(`GRANT INSERT ON dead_letters TO ${role}`);

    const deadline = Date.now() + 90_000;
    while ((await db.prisma.deadLetter.count()) < ids.length && Date.now() < deadline) await sleep(250);
    const stored = await db.prisma.deadLetter.findMany({ select: { messageId: true } });
    expect(stored.map((r) => r.messageId).sort()).toEqual([...ids].sort());
    for (const queue of Object.values(QUEUES))
      expect(await queueDepth(vhost.url, deadQueueName(queue))).toBe(0);
  },
);
