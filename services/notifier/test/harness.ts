import { randomUUID } from 'node:crypto';
import { buildTopology, connectBus, type Bus } from '@identity-relay/bus';
import { createTestVhost, readQueue, type ReadMessage } from '@identity-relay/bus/testing';
import {
  messageRoutes,
  MessageType,
  newCloudEvent,
  type NotificationRequestedData,
} from '@identity-relay/contracts';
import { createPrismaClient, type PrismaClient } from '@identity-relay/db';
import { createTestDatabase } from '@identity-relay/db/testing';
import { createLogger, createMetrics } from '@identity-relay/runtime';
import {
  createMailTransport,
  createNotifierWorker,
  type MailConfig,
  type NotifierConfig,
} from '../src/index.js';

/** What the harness's notifiers sign unsubscribe links with. */
export const UNSUBSCRIBE_SECRET = 'test-unsubscribe-key';
export const UNSUBSCRIBE_BASE_URL = 'https://relay.school.example';

export interface Delivery {
  email: string;
  status: string;
  attempts: number;
  smtp_message_id: string | null;
  message_id: string;
  error: string | null;
}

/** Real broker (own vhost), real database (own database) and a real mail transport; nothing is faked. */
export interface Harness {
  vhostUrl: string;
  dbUrl: string;
  prisma: PrismaClient;
  retryDelaysMs: number[];
  /** Starts a notifier worker in this process with the given mail settings. */
  startNotifier(mail: Partial<MailConfig>, config?: Partial<NotifierConfig>): Promise<() => Promise<void>>;
  subscribe(
    list: string,
    emails: string[],
    opts?: { unsubscribed?: boolean; traits?: (email: string) => Record<string, unknown> },
  ): Promise<void>;
  request(data: NotificationRequestedData, id?: string): Promise<string>;
  deliveries(notificationId: string): Promise<Delivery[]>;
  waitFor<T>(probe: () => Promise<T> | T, ok: (v: T) => boolean, timeoutMs?: number): Promise<T>;
  dead(timeoutMs?: number): Promise<ReadMessage[]>;
  dispose(): Promise<void>;
}

export async function startHarness(opts: { retryDelaysMs?: number[] } = {}): Promise<Harness> {
  const retryDelaysMs = opts.retryDelaysMs ?? [300, 600, 1200, 2400];
  const vhost = await createTestVhost();
  const db = await createTestDatabase();
  const logger = createLogger({ service: 'notifier-test', level: 'silent' });
  const topology = buildTopology({ retryDelaysMs });
  const publisher: Bus = await connectBus({ url: vhost.url, name: 'test-publisher', logger, topology });
  const closers: Array<() => Promise<void>> = [];

  const harness: Harness = {
    vhostUrl: vhost.url,
    dbUrl: db.url,
    prisma: db.prisma,
    retryDelaysMs,
    async startNotifier(mail, config = {}) {
      const { registry } = createMetrics('notifier-test');
      const prisma = createPrismaClient({ databaseUrl: db.url, poolMax: 8 });
      const bus = await connectBus({ url: vhost.url, name: 'notifier-test', logger, registry, topology });
      const transport = createMailTransport({
        mailDir: '/nonexistent',
        smtpMaxConnections: 3,
        smtpTimeoutMs: 5000,
        ...mail,
      });
      const worker = createNotifierWorker({
        prisma,
        bus,
        logger,
        registry,
        transport,
        config: {
          retryDelaysMs,
          prefetch: 10,
          mailFrom: 'Exams <exams@school.example>',
          publicBaseUrl: UNSUBSCRIBE_BASE_URL,
          unsubscribeSecret: UNSUBSCRIBE_SECRET,
          mailRatePerSecond: 1000,
          smtpMaxConnections: 3,
          smtpTimeoutMs: 5000,
          ...config,
        },
      });
      await worker.start();
      let stopped = false;
      const stop = async () => {
        if (stopped) return;
        stopped = true;
        await worker.stop(3000);
        await bus.close();
        await transport.close();
        await prisma.$disconnect();
      };
      closers.push(stop);
      return stop;
    },
    async subscribe(list, emails, o = {}) {
      for (const email of emails) {
        // With traits, a synced identity row too: the templates read its traits.
        const identityId = randomUUID();
        if (o.traits) {
          await db.prisma.$executeRaw`
            INSERT INTO identities (id, provider, external_id, email, state, traits, source_updated_at, version)
            VALUES (${identityId}::uuid, 'kratos', ${identityId}, ${email}, 'active',
              ${JSON.stringify(o.traits(email))}::jsonb, now(), 1)`;
        }
        await db.prisma.$executeRaw`
          INSERT INTO subscribers (id, list, email, identity_id, subscribed_at, unsubscribed_at, updated_at)
          VALUES (gen_random_uuid(), ${list}, ${email}, ${identityId}::uuid, now(), ${o.unsubscribed ? new Date() : null}, now())`;
      }
    },
    async request(data, id = randomUUID()) {
      const event = newCloudEvent({ type: MessageType.NotificationRequested, source: 'test', id, data });
      await publisher.publish({
        exchange: messageRoutes.NotificationRequested.exchange,
        routingKey: messageRoutes.NotificationRequested.routingKey(data),
        messageId: id,
        type: event.type,
        body: event,
      });
      return id;
    },
    deliveries: (notificationId) =>
      db.prisma.$queryRaw<Delivery[]>`
        SELECT email, status, attempts, smtp_message_id, message_id, error FROM email_deliveries
        WHERE notification_id = ${notificationId} ORDER BY email`,
    async waitFor(probe, ok, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let value = await probe();
      while (!ok(value) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        value = await probe();
      }
      return value;
    },
    dead: (timeoutMs = 1000) => readQueue(vhost.url, 'notifier.dead', { count: 10, timeoutMs }),
    async dispose() {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      await publisher.close().catch(() => undefined);
      await db.drop().catch(() => undefined);
      await vhost.dispose().catch(() => undefined);
    },
  };
  return harness;
}

export const exam = (over: Partial<NotificationRequestedData> = {}): NotificationRequestedData => ({
  topic: 'exam.generated',
  list: 'educators',
  subject: 'Exam "Algebra 1" is ready',
  text: 'Your exam has been generated.',
  html: '<p>Your exam has been <b>generated</b>.</p>',
  ...over,
});
