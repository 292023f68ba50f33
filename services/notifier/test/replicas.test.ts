// Real: database (own database), SMTP server (smtp-server). Two sending rounds stand for two replicas.
import { createLogger } from '@identity-relay/runtime';
import pLimit from 'p-limit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createSmtpTransport, RateLimiter, recordNotification, sendPending } from '../src/index.js';
import type { SenderDeps } from '../src/sender.js';
import { exam, startHarness, UNSUBSCRIBE_BASE_URL, UNSUBSCRIBE_SECRET, type Harness } from './harness.js';
import { startSmtpSink, type SmtpSink } from '@identity-relay/test-support';

let h: Harness;
let smtp: SmtpSink;
beforeAll(async () => {
  h = await startHarness();
  smtp = await startSmtpSink({ collect: true });
});
afterAll(async () => {
  await h?.dispose();
  await smtp?.stop();
});

function replica(sink: SmtpSink = smtp): SenderDeps & { close(): Promise<void> } {
  const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${sink.port}`, maxConnections: 3 });
  return {
    prisma: h.prisma,
    transport,
    logger: createLogger({ service: 'notifier-test', level: 'silent' }),
    letter: {
      from: 'Exams <exams@school.example>',
      domain: 'school.example',
      unsubscribe: { baseUrl: UNSUBSCRIBE_BASE_URL, secret: UNSUBSCRIBE_SECRET },
    },
    slots: pLimit(3),
    rate: new RateLimiter(100_000),
    concurrency: 3,
    claimBatch: 7,
    claimLeaseMs: 1000,
    close: () => transport.close(),
  };
}

async function notification(id: string, emails: string[]) {
  await h.subscribe(id, emails);
  const data = exam({ list: id });
  await recordNotification(h.prisma, id, new Date().toISOString(), data, 'school.example');
  return { id, ...data };
}

test('two replicas sending the same notification at once give every recipient exactly one email', async () => {
  const emails = Array.from({ length: 60 }, (_, i) => `r${String(i).padStart(2, '0')}@school.example`);
  const n = await notification('replicas', emails);
  // The sink answers no email until both rounds hold claims, so both take part however the machine schedules them
  // (otherwise one round could send all 60 before the other's first claim).
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const sink = await startSmtpSink({ collect: true, hold: () => gate });
  const [a, b] = [replica(sink), replica(sink)];
  try {
    const sending = Promise.all([sendPending(n, a), sendPending(n, b)]);
    await untilBothRoundsHoldClaims('replicas');
    open();
    const rounds = await sending;

    expect(rounds[0]!.sent + rounds[1]!.sent).toBe(emails.length);
    expect(rounds.every((r) => r.sent > 0)).toBe(true); // both took part
    const to = sink.received.flatMap((m) => m.to);
    expect(to.sort()).toEqual(emails);
  } finally {
    open();
    await Promise.all([a.close(), b.close()]);
    await sink.stop();
  }
  const rows = await h.deliveries('replicas');
  expect(rows.every((d) => d.status === 'sent' && d.attempts === 1)).toBe(true);
});

async function untilBothRoundsHoldClaims(notificationId: string): Promise<void> {
  for (;;) {
    const [row] = await h.prisma.$queryRaw<{ rounds: number }[]>`
      SELECT count(DISTINCT claimed_by)::int AS rounds FROM email_deliveries
      WHERE notification_id = ${notificationId} AND claimed_by IS NOT NULL`;
    if (row!.rounds >= 2) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("a crashed round's claims are taken over once their lease lapses, not before", async () => {
  const emails = Array.from({ length: 10 }, (_, i) => `c${i}@school.example`);
  const n = await notification('crashed', emails);
  // A round that died holding three deliveries: its lease still runs for 1.5 s.
  await h.prisma.$executeRaw`
    UPDATE email_deliveries SET claimed_by = 'dead-round', claimed_until = now() + interval '1500 milliseconds'
    WHERE notification_id = 'crashed' AND email IN ('c0@school.example', 'c1@school.example', 'c2@school.example')`;
  const r = replica();
  const started = Date.now();
  const round = await sendPending(n, r);
  await r.close();

  expect(round.sent).toBe(emails.length);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  const to = smtp.received.flatMap((m) => m.to).filter((t) => t.startsWith('c'));
  expect(to.sort()).toEqual(emails);
  const rows = await h.deliveries('crashed');
  expect(rows.every((d) => d.status === 'sent')).toBe(true);
});
