// Real: broker (own vhost), database (own database), SMTP server (smtp-server). Nothing is faked.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { exam, startHarness, type Harness } from './harness.js';
import { startSmtpSink, type SmtpSink } from '@identity-relay/test-support';

let h: Harness;
let smtp: SmtpSink;
beforeAll(async () => {
  h = await startHarness({ retryDelaysMs: [200, 400] });
  smtp = await startSmtpSink({ collect: true });
});
afterAll(async () => {
  await h?.dispose();
  await smtp?.stop();
});

test('stop() during a long list returns within one send; the rest is sent once by the next worker', async () => {
  const emails = Array.from({ length: 40 }, (_, i) => `t${String(i).padStart(2, '0')}@school.example`);
  await h.subscribe('educators', emails);
  // 10 emails a second: the whole list would take 4 s, longer than the 3 s grace of the harness's stop().
  const stop = await h.startNotifier({ smtpUrl: `smtp://127.0.0.1:${smtp.port}` }, { mailRatePerSecond: 10 });
  const id = await h.request(exam());
  await h.waitFor(
    () => smtp.received.length,
    (n) => n >= 5,
  );
  const atStop = smtp.received.length;
  await stop();
  const sentBefore = smtp.received.length;
  // Counted, not timed: each of the 3 lanes (smtpMaxConnections) finishes what it has begun (at most the send it
  // is in and the next one it overlaps with its commit); going on through the grace would send some 30 more.
  expect(sentBefore - atStop).toBeLessThanOrEqual(6);
  expect(sentBefore).toBeLessThan(emails.length);
  const pending = (await h.deliveries(id)).filter((d) => d.status === 'pending').length;
  expect(pending).toBe(emails.length - sentBefore);

  await h.startNotifier({ smtpUrl: `smtp://127.0.0.1:${smtp.port}` }, { mailRatePerSecond: 1000 });
  const deliveries = await h.waitFor(
    () => h.deliveries(id),
    (d) => d.every((x) => x.status === 'sent'),
  );
  expect(deliveries).toHaveLength(emails.length);
  const to = smtp.received.flatMap((m) => m.to).sort();
  expect(to).toEqual(emails); // each exactly once
  expect(await h.dead()).toHaveLength(0);
});
