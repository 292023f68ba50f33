import { QUEUES } from '@identity-relay/bus';
import { waitForQueueSettled } from '@identity-relay/bus/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { messageIdFor } from '../src/index.js';
import { exam, startHarness, type Harness } from './harness.js';
import { freePort, startSmtpSink, type SmtpSink } from '@identity-relay/test-support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.dispose();
});

describe('notifier over SMTP', () => {
  let smtp: SmtpSink;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    smtp = await startSmtpSink({ collect: true, reject: ['rejected@school.example'] });
    stop = await h.startNotifier({ smtpUrl: `smtp://127.0.0.1:${smtp.port}` });
  });
  afterAll(async () => {
    await stop?.();
    await smtp?.stop();
  });

  test('N subscribers get one email each with the right subject, bodies, sender and Message-ID; a replay sends nothing', async () => {
    const emails = Array.from(
      { length: 12 },
      (_, i) => `teacher${String(i).padStart(2, '0')}@school.example`,
    );
    await h.subscribe('educators', emails);
    await h.subscribe('educators', ['gone@school.example'], { unsubscribed: true });
    await h.subscribe('students', ['pupil@school.example']);
    const id = await h.request(exam());
    await h.waitFor(
      () => smtp.received.length,
      (n) => n >= emails.length,
    );
    const mine = smtp.received.filter((m) => m.messageId.startsWith(`<${id}.`));
    expect(mine.flatMap((m) => m.to).sort()).toEqual(emails);
    for (const m of mine) {
      expect(m).toMatchObject({ from: 'exams@school.example', subject: 'Exam "Algebra 1" is ready' });
      expect(m.text.startsWith('Your exam has been generated.\n')).toBe(true);
      expect(m.html).toMatch(/^<p>Your exam has been <b>generated<\/b>\.<\/p>\n<p /);
      expect(m.messageId).toBe(messageIdFor(id, m.to[0]!, 'school.example'));
      expect(m.headers.get('x-notification-topic')).toBe('exam.generated');
    }
    const deliveries = await h.waitFor(
      () => h.deliveries(id),
      (d) => d.every((x) => x.status === 'sent'),
    );
    expect(deliveries).toHaveLength(emails.length);
    expect(deliveries.every((d) => d.attempts === 1 && /^Q\d+$/.test(d.smtp_message_id ?? ''))).toBe(true);

    const before = smtp.received.length;
    await h.request(exam(), id); // the same message again (a producer retry or an operator replay)
    await waitForQueueSettled(h.vhostUrl, QUEUES.notifier); // the copy was handled
    expect(smtp.received.length).toBe(before);
    smtp.received.length = 0;
  });

  test('a recipient refused with 550 is marked failed with the reason; the others are delivered, nothing is retried', async () => {
    await h.subscribe('staff', ['a@school.example', 'rejected@school.example', 'z@school.example']);
    const id = await h.request(exam({ list: 'staff' }));
    const deliveries = await h.waitFor(
      () => h.deliveries(id),
      (d) => d.length === 3 && d.every((x) => x.status !== 'pending'),
    );
    expect(deliveries.map((d) => [d.email, d.status])).toEqual([
      ['a@school.example', 'sent'],
      ['rejected@school.example', 'failed'],
      ['z@school.example', 'sent'],
    ]);
    expect(deliveries[1]!.error).toMatch(/550/);
    expect(smtp.received.flatMap((m) => m.to).sort()).toEqual(['a@school.example', 'z@school.example']);
    expect(await h.dead(300)).toHaveLength(0);
    smtp.received.length = 0;
  });
});

test('SMTP down, then up: deliveries wait as pending, are retried with delay, and all arrive once', async () => {
  const port = await freePort();
  await h.subscribe('parents', ['p1@school.example', 'p2@school.example', 'p3@school.example']);
  const stop = await h.startNotifier({ smtpUrl: `smtp://127.0.0.1:${port}` });
  try {
    const id = await h.request(exam({ list: 'parents' }));
    const waiting = await h.waitFor(
      () => h.deliveries(id),
      (d) => d.length === 3 && d.some((x) => x.attempts > 0),
    );
    expect(waiting.every((d) => d.status === 'pending')).toBe(true);
    expect(waiting.find((d) => d.attempts > 0)!.error).toMatch(/ECONNREFUSED|connect/i);
    const smtp = await startSmtpSink({ collect: true, port });
    try {
      const done = await h.waitFor(
        () => h.deliveries(id),
        (d) => d.every((x) => x.status === 'sent'),
      );
      expect(done.map((d) => d.status)).toEqual(['sent', 'sent', 'sent']);
      expect(smtp.received.flatMap((m) => m.to).sort()).toEqual([
        'p1@school.example',
        'p2@school.example',
        'p3@school.example',
      ]);
    } finally {
      await smtp.stop();
    }
  } finally {
    await stop();
  }
});

test('a notification whose deliveries keep failing ends in notifier.dead with the reason', async () => {
  const port = await freePort();
  await h.subscribe('board', ['b1@school.example']);
  const stop = await h.startNotifier({ smtpUrl: `smtp://127.0.0.1:${port}` });
  try {
    const id = await h.request(exam({ list: 'board' }));
    const [dead] = await h.dead(15_000);
    expect(dead?.properties.messageId).toBe(id);
    expect(String(dead!.headers['x-error'])).toMatch(
      /1 of 1 deliveries still pending after attempt 5: .*ECONNREFUSED/,
    );
    expect(dead!.headers['x-attempts']).toBe(h.retryDelaysMs.length + 1);
    const [delivery] = await h.deliveries(id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: h.retryDelaysMs.length + 1 });
  } finally {
    await stop();
  }
});
