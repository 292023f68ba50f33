/**
 * Acceptance: a Kratos educator registration → ingress → identity-sync → IdentityChanged → subscribers →
 * subscribed; then POST /notifications for `educators` → exactly one email to that educator, as an .eml
 * file by default and over SMTP when configured. Every part is the real one, wired in this process on a
 * real broker (own vhost) and database (own database).
 */
import { QUEUES } from '@identity-relay/bus';
import { waitForQueueSettled } from '@identity-relay/bus/testing';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { educatorIdentity } from '@identity-relay/contracts/fixtures';
import { exam, startHarness, type Harness } from '../../services/notifier/test/harness.js';
import { KRATOS_KEY, NOTIFY_KEY, startPipeline, type Pipeline } from './pipeline.js';
import { startSmtpSink } from '@identity-relay/test-support';

const EDUCATOR = 'ada.lovelace@example.edu';
const mailDir = mkdtempSync(join(tmpdir(), 'ir-mail-'));

let h: Harness;
let pipeline: Pipeline;
const post = (path: string, key: string, body: unknown) => pipeline.post(path, key, body);

beforeAll(async () => {
  h = await startHarness();
  pipeline = await startPipeline(h);
});
afterAll(async () => {
  await pipeline?.close();
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
  await waitForQueueSettled(h.vhostUrl, QUEUES.notifier); // handled: nothing else can arrive
  expect(readdirSync(mailDir)).toEqual(files);
  expect(files).toHaveLength(1);
  const mail = await simpleParser(readFileSync(join(mailDir, files[0]!)));
  expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : []).toEqual([EDUCATOR]);
  expect(mail.subject).toBe(exam().subject);
  expect(mail.messageId).toMatch(new RegExp(`^<${id}\\.[0-9a-f]{32}@school\\.example>$`));
  expect(await h.deliveries(id)).toMatchObject([{ email: EDUCATOR, status: 'sent', attempts: 1 }]);
  await stopFiles();

  // Configured: SMTP_URL → sent over SMTP.
  const smtp = await startSmtpSink({ collect: true });
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
    await waitForQueueSettled(h.vhostUrl, QUEUES.notifier);
    expect(smtp.received.map((m) => [m.to, m.subject])).toEqual([[[EDUCATOR], 'A student answered']]);
    expect(readdirSync(mailDir)).toHaveLength(1);
  } finally {
    await stopSmtp();
    await smtp.stop();
  }
});
