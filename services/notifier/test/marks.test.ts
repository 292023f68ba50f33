import { randomUUID } from 'node:crypto';
import { createPrismaClient, type PrismaClient } from '@identity-relay/db';
import { createTestDatabase, type TestDatabase } from '@identity-relay/db/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renewClaims } from '../src/claims.js';
import { claimPending, markDeliveries, recordNotification } from '../src/index.js';

// Real database (own, migrated); no broker, no mail. The marks and lease renewals of a sending round, through a
// pool of one connection (so the session a mark ran on is the one inspected afterwards) and a second client that
// holds row locks the way a concurrent mark does.

let db: TestDatabase;
let prisma: PrismaClient;
beforeAll(async () => {
  db = await createTestDatabase();
  prisma = createPrismaClient({ databaseUrl: db.url, poolMax: 1 });
});
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

/** A notification to `emails`, every delivery claimed by `round`. */
async function claimedNotification(emails: string[], round: string): Promise<string> {
  const list = `marks-${randomUUID().slice(0, 8)}`;
  for (const email of emails)
    await prisma.$executeRaw`
      INSERT INTO subscribers (id, list, email, identity_id, subscribed_at, updated_at)
      VALUES (gen_random_uuid(), ${list}, ${email}, gen_random_uuid(), now(), now())`;
  const id = randomUUID();
  const data = { topic: 't', list, subject: 's', text: 'x' };
  await recordNotification(prisma, id, new Date().toISOString(), data, 'school.example');
  expect(await claimPending(prisma, id, round, 100, 10_000)).toHaveLength(emails.length);
  return id;
}

describe('markDeliveries', () => {
  test('records each outcome and leaves the session committing synchronously for everything else', async () => {
    const emails = ['a@school.example', 'b@school.example', 'c@school.example'];
    const id = await claimedNotification(emails, 'round-1');

    await markDeliveries(prisma, id, [
      { email: 'a@school.example', update: { status: 'sent', smtpMessageId: 'q1', response: '250 ok' } },
      { email: 'b@school.example', update: { status: 'pending', error: 'greylisted', response: '451' } },
      { email: 'c@school.example', update: { status: 'failed', error: 'no such user', response: '550' } },
    ]);

    const rows = await prisma.$queryRaw<{ email: string; status: string; claimed_by: string | null }[]>`
      SELECT email, status, claimed_by FROM email_deliveries WHERE notification_id = ${id} ORDER BY email`;
    expect(rows).toEqual([
      { email: 'a@school.example', status: 'sent', claimed_by: null },
      { email: 'b@school.example', status: 'pending', claimed_by: 'round-1' },
      { email: 'c@school.example', status: 'failed', claimed_by: null },
    ]);
    // The mark's own transaction skips the WAL flush wait; the pooled session it ran on does not keep that.
    const [setting] = await prisma.$queryRaw<{ synchronous_commit: string }[]>`SHOW synchronous_commit`;
    expect(setting?.synchronous_commit).toBe('on');
  });
});

describe('renewClaims', () => {
  test("extends the round's leases without waiting for rows a mark holds locked", async () => {
    const emails = ['a@school.example', 'b@school.example', 'c@school.example'];
    const id = await claimedNotification(emails, 'round-2');
    const until = async () =>
      new Map(
        (
          await prisma.$queryRaw<{ email: string; ms: number }[]>`
            SELECT email, (extract(epoch FROM claimed_until - now()) * 1000)::float8 AS ms
            FROM email_deliveries WHERE notification_id = ${id}`
        ).map((r) => [r.email, r.ms]),
      );
    const other = createPrismaClient({ databaseUrl: db.url, poolMax: 1 });
    try {
      // Another connection holds b's row, as a mark being written does, until renewal has returned.
      let renewed = false;
      await other.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1 FROM email_deliveries
          WHERE notification_id = ${id} AND email = 'b@school.example' FOR UPDATE`;
        await renewClaims(prisma, id, 'round-2', 600_000);
        renewed = true;
      });
      expect(renewed).toBe(true);
    } finally {
      await other.$disconnect();
    }
    const left = await until();
    expect(left.get('a@school.example')).toBeGreaterThan(60_000);
    expect(left.get('c@school.example')).toBeGreaterThan(60_000);
    expect(left.get('b@school.example')).toBeLessThanOrEqual(10_000); // skipped: kept its lease
  });
});
