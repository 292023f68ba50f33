// Real RabbitMQ (own vhost) and Postgres (own database): workers on the real consumer runtime give
// up on messages, the archive drains every dead queue, operators replay and discard.
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXCHANGES, QUEUES, type Consumer } from '@identity-relay/bus';
import { queueDepth } from '@identity-relay/bus/testing';
import { connect, type Channel, type GetMessage } from 'amqplib';
import { ConflictError, NotFoundError } from '../src/index.js';
import { ROUTES, startOpsHarness, type OpsHarness, type WorkQueue } from './harness.js';

let h: OpsHarness;
let broken = true;
const workers: Consumer[] = [];
const ids: Record<string, string[]> = {};

beforeAll(async () => {
  h = await startOpsHarness();
  for (const queue of Object.values(QUEUES)) workers.push(await h.startWorker(queue, () => broken));
  // Two failing messages per queue (exhausted retries) and one poison message (not JSON).
  for (const queue of Object.values(QUEUES) as WorkQueue[]) {
    ids[queue] = [await h.publish(queue), await h.publish(queue)];
  }
  await h.publish(QUEUES.identitySync, { id: 'poison-1', body: Buffer.from([0x7b, 0xff, 0x00]) });
  await h.waitForDeadLetters(7);
});

afterAll(async () => {
  await h?.dispose();
});

describe('dead-letter archive', () => {
  it('stores exhausted retries from every worker queue with the right fields', async () => {
    for (const queue of Object.values(QUEUES) as WorkQueue[]) {
      const rows = await h.prisma.deadLetter.findMany({ where: { queue, errorClass: 'TransientError' } });
      expect(rows.map((r) => r.messageId).sort()).toEqual([...ids[queue]!].sort());
      for (const r of rows) {
        expect(r).toMatchObject({
          queue,
          messageType: ROUTES[queue].type,
          exchange: ROUTES[queue].exchange,
          routingKey: ROUTES[queue].routingKey,
          errorClass: 'TransientError',
          error: `downstream refused message ${r.messageId} after 3000 ms`,
          attempts: 2,
          service: `${queue}-test`,
          host: hostname(),
          status: 'open',
          replayCount: 0,
        });
        expect(r.firstFailedAt!.getTime()).toBeLessThanOrEqual(r.deadLetteredAt.getTime());
        expect(JSON.parse(Buffer.from(r.body).toString()).id).toBe(r.messageId);
        expect((r.headers as Record<string, unknown>).traceparent).toMatch(/^00-/);
      }
    }
    for (const q of Object.values(QUEUES)) expect(await queueDepth(h.vhost.url, `${q}.dead`)).toBe(0);
  });

  it('groups the same cause by fingerprint, one group per queue', async () => {
    const groups = await h.repo.groups({ status: 'open' });
    const transient = groups.filter((g) => g.errorClass === 'TransientError');
    expect(transient.map((g) => [g.queue, g.count]).sort()).toEqual([
      [QUEUES.identitySync, 2],
      [QUEUES.notifier, 2],
      [QUEUES.subscribers, 2],
    ]);
    expect(new Set(transient.map((g) => g.fingerprint)).size).toBe(3);
  });

  it('stores a poison message with its bytes exactly as received', async () => {
    const row = await h.prisma.deadLetter.findFirstOrThrow({ where: { messageId: 'poison-1' } });
    expect(Buffer.from(row.body).equals(Buffer.from([0x7b, 0xff, 0x00]))).toBe(true);
    expect(row).toMatchObject({
      queue: QUEUES.identitySync,
      errorClass: 'InvalidMessageError',
      errorCode: 'UNPARSEABLE',
      attempts: 1,
    });
  });

  it('stores a dead letter the broker made itself (quorum delivery limit, x-death only) with what is known', async () => {
    const before = await h.prisma.deadLetter.count();
    // A quorum queue with a delivery limit of 1 that dead-letters into notifier.dead, as the work queues do.
    const model = await connect(h.vhost.url);
    const channel = await model.createConfirmChannel();
    const args = {
      'x-queue-type': 'quorum',
      'x-delivery-limit': 1,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': 'notifier.dead',
    };
    await channel.assertQueue('limit-test', { durable: true, arguments: args });
    // A routing key outside `notification.#`, so the real notifier queue does not get (and dead-letter) a copy.
    await channel.bindQueue('limit-test', EXCHANGES.notifications, 'limit.test');
    channel.publish(EXCHANGES.notifications, 'limit.test', Buffer.from('{"id":"broker-dead-1"}'), {
      messageId: 'broker-dead-1',
      type: 'NotificationRequested',
      persistent: true,
    });
    await channel.waitForConfirms();
    for (let i = 0; i < 2; i++) {
      const msg = await waitForGet(channel, 'limit-test');
      channel.nack(msg, false, true);
    }
    await h.waitForDeadLetters(before + 1);
    await model.close();
    const row = await h.prisma.deadLetter.findFirstOrThrow({ where: { messageId: 'broker-dead-1' } });
    expect(row).toMatchObject({
      queue: 'notifier',
      exchange: EXCHANGES.notifications,
      routingKey: 'limit.test',
      errorClass: 'broker:delivery_limit',
      error: 'RabbitMQ dead-lettered the message: delivery limit reached (1 time)',
      service: null,
    });
    expect(Date.now() - row.deadLetteredAt.getTime()).toBeLessThan(60_000);
  });

  it('is idempotent: the same dead letter stored twice is one row', async () => {
    const row = await h.prisma.deadLetter.findFirstOrThrow({
      where: { messageId: ids[QUEUES.notifier]![0] },
    });
    const delivery = {
      queue: 'notifier.dead',
      content: Buffer.from(row.body),
      properties: { messageId: row.messageId, type: row.messageType, headers: row.headers } as never,
      headers: row.headers as Record<string, unknown>,
      exchange: '',
      routingKey: 'notifier.dead',
      redelivered: true,
    };
    const before = await h.prisma.deadLetter.count();
    // The drain stored it already; a redelivery (the broker adds x-delivery-count) is recognised too.
    expect(await h.archive.store(delivery)).toBe(false);
    expect(
      await h.archive.store({ ...delivery, headers: { ...delivery.headers, 'x-delivery-count': 5 } }),
    ).toBe(false);
    expect(await h.prisma.deadLetter.count()).toBe(before);
  });

  it('replay after the fix makes the message succeed, marks it replayed and audits it; a second replay needs force', async () => {
    broken = false;
    const row = await h.prisma.deadLetter.findFirstOrThrow({
      where: { messageId: ids[QUEUES.identitySync]![0] },
    });
    const item = await h.actions.replay(row.id, { actor: 'test:ada' });
    expect(item).toMatchObject({ status: 'replayed', replayCount: 1 });
    await expect
      .poll(() => h.handled.get(QUEUES.identitySync) ?? [], { timeout: 10_000 })
      .toContain(row.messageId);
    const processed = await h.prisma.processedMessage.findMany({
      where: { consumer: QUEUES.identitySync, messageId: row.messageId! },
    });
    expect(processed).toHaveLength(1);
    const audit = await h.prisma.auditLog.findMany({ where: { action: 'replay' } });
    expect(audit).toEqual([
      expect.objectContaining({ actor: 'test:ada', deadLetterIds: [row.id], count: 1 }),
    ]);

    await expect(h.actions.replay(row.id, { actor: 'test:ada' })).rejects.toBeInstanceOf(ConflictError);
    expect(await h.actions.replay(row.id, { actor: 'test:ada', force: true })).toMatchObject({
      replayCount: 2,
    });
    await expect(
      h.actions.replay('00000000-0000-4000-8000-000000000000', { actor: 'x' }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('discard removes an entry from the open view', async () => {
    const row = await h.prisma.deadLetter.findFirstOrThrow({
      where: { messageId: ids[QUEUES.notifier]![1] },
    });
    await h.actions.discard(row.id, { actor: 'test:bob' });
    const open = await h.repo.list({ status: 'open' }, { limit: 100 });
    expect(open.items.map((i) => i.id)).not.toContain(row.id);
    await expect(h.actions.discard(row.id, { actor: 'test:bob' })).rejects.toBeInstanceOf(ConflictError);
  });

  it('bulk replay by filter: the dry-run count equals the real run, and the messages succeed', async () => {
    const filter = { queue: QUEUES.subscribers };
    const dry = await h.actions.bulk({ action: 'replay', filter, dryRun: true, actor: 'test:ada' });
    expect(dry.count).toBe(2);
    expect(dry.sample).toHaveLength(2);
    expect(
      await h.prisma.auditLog.count({
        where: { actor: 'test:ada', filter: { equals: { queue: 'subscribers' } } },
      }),
    ).toBe(0);
    const real = await h.actions.bulk({ action: 'replay', filter, dryRun: false, actor: 'test:ada' });
    expect(real).toMatchObject({ count: dry.count, failed: [] });
    await expect.poll(() => (h.handled.get(QUEUES.subscribers) ?? []).length, { timeout: 10_000 }).toBe(2);
    expect((await h.actions.bulk({ action: 'replay', filter, dryRun: true, actor: 'x' })).count).toBe(0);
    const audit = await h.prisma.auditLog.findFirstOrThrow({ where: { action: 'replay', count: 2 } });
    expect(audit.filter).toEqual({ queue: 'subscribers' });
  });

  it('retention purges resolved entries older than the cutoff, never open ones', async () => {
    const open = await h.prisma.deadLetter.count({ where: { status: 'open' } });
    const resolved = await h.prisma.deadLetter.count({ where: { status: { not: 'open' } } });
    expect(await h.actions.purge(new Date(Date.now() - 60_000))).toBe(0);
    expect(await h.actions.purge(new Date(Date.now() + 1000))).toBe(resolved);
    expect(await h.prisma.deadLetter.count()).toBe(open);
    expect(
      await h.prisma.auditLog.count({ where: { action: 'purge', actor: 'system', count: resolved } }),
    ).toBe(1);
  });
});

async function waitForGet(channel: Channel, queue: string): Promise<GetMessage> {
  for (let i = 0; i < 200; i++) {
    const msg = await channel.get(queue, { noAck: false });
    if (msg) return msg;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing arrived in ${queue}`);
}
