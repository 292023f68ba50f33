import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deadQueueName, QUEUES, retryQueueName } from '@identity-relay/bus';
import { queueDepth, readQueue } from '@identity-relay/bus/testing';
import {
  closeVhostConnections,
  kratosIdentity,
  setDatabaseAvailable,
  startHarness,
  waitFor,
  type Harness,
} from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ retryDelaysMs: [300, 600] });
});
afterAll(async () => {
  await setDatabaseAvailable(h.dbUrl, true).catch(() => undefined);
  await h?.dispose();
});

const rowCount = async (externalIds: string[]) => {
  const [r] = await h.prisma.$queryRaw<
    { n: bigint }[]
  >`SELECT count(*) AS n FROM identities WHERE external_id = ANY(${externalIds})`;
  return Number(r!.n);
};
const deadLetters = (count: number, timeoutMs = 5000) =>
  readQueue(h.vhostUrl, deadQueueName(QUEUES.identitySync), { count, timeoutMs });

describe('identity-sync under faults', () => {
  test('database down for a moment: the message is retried with delay and then applied', async () => {
    // Its own harness with a long first delay, so the message is seen waiting in the delay queue.
    const slow = await startHarness({ retryDelaysMs: [1500, 3000] });
    try {
      const id = randomUUID();
      const delayQueues = [1500, 3000].map((ms) => retryQueueName(QUEUES.identitySync, ms));
      const waiting = async () =>
        (await Promise.all(delayQueues.map((q) => queueDepth(slow.vhostUrl, q)))).join();
      await setDatabaseAvailable(slow.dbUrl, false);
      try {
        await slow.publishKratos(kratosIdentity(id));
        // The first attempt failed: the message waits in the first delay queue (not in the second, not dead).
        expect(await waitFor(waiting, (depths) => depths === '1,0', 20_000)).toBe('1,0');
      } finally {
        await setDatabaseAvailable(slow.dbUrl, true);
      }
      const applied = async () => {
        const [r] = await slow.prisma.$queryRaw<{ n: bigint }[]>`
          SELECT count(*) AS n FROM identities WHERE external_id = ${id}`;
        return Number(r!.n);
      };
      // slow.prisma belongs to the harness and was disconnected too; it reconnects on demand.
      expect(await waitFor(applied, (n) => n === 1, 20_000)).toBe(1);
      expect(await waiting()).toBe('0,0');
      expect(await queueDepth(slow.vhostUrl, deadQueueName(QUEUES.identitySync))).toBe(0);
    } finally {
      await setDatabaseAvailable(slow.dbUrl, true).catch(() => undefined);
      await slow.dispose();
    }
  });

  test('failing every time: dead-lettered after the retries, with the failure headers', async () => {
    const id = randomUUID();
    await setDatabaseAvailable(h.dbUrl, false);
    let dead;
    try {
      const event = await h.publishKratos(kratosIdentity(id));
      [dead] = await deadLetters(1, 15_000);
      expect(dead).toBeDefined();
      expect(dead!.properties.messageId).toBe(event.id);
      expect(JSON.parse(dead!.content.toString())).toEqual(JSON.parse(JSON.stringify(event)));
    } finally {
      await setDatabaseAvailable(h.dbUrl, true);
    }
    const headers = dead!.properties.headers as Record<string, unknown>;
    expect(headers['x-attempts']).toBe(3);
    expect(String(headers['x-error'])).not.toBe('');
    expect(headers['x-error-class']).toBeTruthy();
    expect(Date.parse(String(headers['x-first-failed-at']))).not.toBeNaN();
    expect(headers['x-original-exchange']).toBe('identity.events');
    expect(headers['x-original-routing-key']).toBe('kratos.identity.updated');
    expect(headers['x-service']).toBe('identity-sync');
    expect(headers['x-host']).toBeTruthy();
    expect(await rowCount([id])).toBe(0);
  });

  test('poison messages go to the dead queue at once and the consumer keeps going', async () => {
    const goodId = randomUUID();
    const publishRaw = (body: Buffer | object, type: string) =>
      h.publisher.publish({
        exchange: 'identity.events',
        routingKey: 'kratos.identity.updated',
        messageId: randomUUID(),
        type,
        body,
      });
    await publishRaw(Buffer.from('{"not json'), 'KratosIdentityUpdated');
    await publishRaw(
      {
        specversion: '1.0',
        id: randomUUID(),
        source: 't',
        type: 'KratosIdentityUpdated',
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        data: { identity: { traits: {} } },
      },
      'KratosIdentityUpdated',
    );
    await publishRaw({ hello: 'world' }, 'SomethingElse');
    await h.publishKratos(kratosIdentity(goodId));
    const dead = await deadLetters(3, 10_000);
    expect(dead).toHaveLength(3);
    for (const d of dead) expect((d.properties.headers as Record<string, unknown>)['x-attempts']).toBe(1);
    expect(
      await waitFor(
        () => rowCount([goodId]),
        (n) => n === 1,
      ),
    ).toBe(1);
  });

  test('broker connections dropped while publishing and consuming: every confirmed message is applied', async () => {
    const confirmed: string[] = [];
    let confirmedAfterLastDrop = 0;
    let drops = 0;
    const sends: Promise<void>[] = [];
    const deadline = Date.now() + 30_000;
    // Keep publishing until two drops happened and 40 more messages were confirmed after the last one.
    for (let i = 0; (drops < 2 || confirmedAfterLastDrop < 40) && Date.now() < deadline; i++) {
      const id = randomUUID();
      const afterDrop = drops;
      sends.push(
        h.publishKratos(kratosIdentity(id)).then(
          () => {
            confirmed.push(id);
            if (afterDrop === 2) confirmedAfterLastDrop++;
          },
          () => undefined, // refused while disconnected: the caller would have answered 503
        ),
      );
      if (i === 40 || i === 80) {
        expect(closeVhostConnections(h.vhost)).toBeGreaterThan(0);
        drops++;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(sends);
    expect(drops).toBe(2);
    expect(confirmedAfterLastDrop).toBeGreaterThanOrEqual(40);
    expect(
      await waitFor(
        () => rowCount(confirmed),
        (n) => n === confirmed.length,
        30_000,
      ),
    ).toBe(confirmed.length);
  });
});
