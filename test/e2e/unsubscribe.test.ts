/**
 * Acceptance of "recipients in control", every part real (ingress, identity-sync, subscribers, notifier, a real
 * SMTP server, broker and database): a Kratos educator gets a templated email with their own first name, uses
 * the one-click link of that very email, and gets nothing more from that list, even after a trait change.
 */
import { QUEUES } from '@identity-relay/bus';
import { waitForQueueSettled } from '@identity-relay/bus/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { educatorIdentity } from '@identity-relay/contracts/fixtures';
import { exam, startHarness, type Harness } from '../../services/notifier/test/harness.js';
import { KRATOS_KEY, NOTIFY_KEY, startPipeline, type Pipeline } from './pipeline.js';
import { rawHeader, startSmtpSink, type SmtpSink } from '@identity-relay/test-support';

const EDUCATOR = 'ada.lovelace@example.edu';

let h: Harness;
let pipeline: Pipeline;
let smtp: SmtpSink;
let stopNotifier: () => Promise<void>;
beforeAll(async () => {
  h = await startHarness();
  pipeline = await startPipeline(h);
  smtp = await startSmtpSink({ collect: true });
  stopNotifier = await h.startNotifier({ smtpUrl: `smtp://127.0.0.1:${smtp.port}` });
});
afterAll(async () => {
  await stopNotifier?.();
  await smtp?.stop();
  await pipeline?.close();
  await h?.dispose();
});

const optOuts = () =>
  h.prisma.$queryRaw<{ list: string; email: string; method: string }[]>`
    SELECT list, email, method FROM subscriber_opt_outs WHERE resubscribed_at IS NULL`;

async function notify(subject: string): Promise<string> {
  const res = await pipeline.post('/notifications', NOTIFY_KEY, exam({ subject }));
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

test('one-click unsubscribe from a received mail holds: the next notification skips the address, a trait change does not undo it', async () => {
  expect(
    (await pipeline.post('/kratos/sync-identity', KRATOS_KEY, { identity: educatorIdentity })).status,
  ).toBe(200);
  await h.waitFor(
    () =>
      h.prisma.$queryRaw<{ email: string }[]>`SELECT email FROM subscribers WHERE unsubscribed_at IS NULL`,
    (rows) => rows.length === 1,
  );

  // The template renders the synced identity's own traits.
  const first = await notify('Hello {{ recipient.traits.name.first }}');
  const [mail] = await h.waitFor(
    () => smtp.received.filter((m) => m.headers.get('x-notification-id') === first),
    (m) => m.length === 1,
  );
  expect(mail!.subject).toBe('Hello Ada');
  const link = /^<https:\/\/relay\.school\.example(\/unsubscribe\/[^>]+)>$/.exec(
    rawHeader(mail!.headerLines, 'List-Unsubscribe') ?? '',
  )?.[1];
  expect(link).toBeDefined();

  // Tampered and malformed tokens: 404 / 400, nothing published.
  const [payload, signature] = link!.slice('/unsubscribe/'.length).split('.') as [string, string];
  const tampered = `/unsubscribe/${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
  const oneClick = (path: string) =>
    fetch(`${pipeline.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
  expect((await oneClick(tampered)).status).toBe(404);
  expect((await oneClick('/unsubscribe/not-a-token')).status).toBe(400);
  // A GET (a mail scanner prefetching the link) shows the page and changes nothing.
  const page = await fetch(`${pipeline.base}${link}`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<button type="submit">Unsubscribe</button>');
  expect(pipeline.published.filter((t) => t === 'UnsubscribeRequested')).toEqual([]);
  expect(await optOuts()).toEqual([]);

  // The real one-click POST (RFC 8058) with the token from the received mail.
  const res = await oneClick(link!);
  expect(res.status).toBe(200);
  expect(pipeline.published.filter((t) => t === 'UnsubscribeRequested')).toHaveLength(1);
  expect(
    await h.waitFor(
      () => optOuts(),
      (rows) => rows.length === 1,
    ),
  ).toEqual([{ list: 'educators', email: EDUCATOR, method: 'one-click' }]);

  // A trait change that still matches the rule: the membership stays, the opt-out holds.
  const renamed = {
    ...educatorIdentity,
    traits: { ...educatorIdentity.traits, name: { first: 'Augusta', last: 'King' } },
    updated_at: '2026-06-01T00:00:00.000Z',
  };
  expect((await pipeline.post('/kratos/sync-identity', KRATOS_KEY, { identity: renamed })).status).toBe(200);
  await h.waitFor(
    () => h.prisma.$queryRaw<{ version: number }[]>`SELECT version FROM subscriber_identity_versions`,
    (rows) => rows[0]?.version === 2,
  );
  expect(await optOuts()).toHaveLength(1);

  const second = await notify('Hello again {{ recipient.traits.name.first }}');
  const deliveries = await h.waitFor(
    () => h.deliveries(second),
    (d) => d.length === 1 && d[0]!.status !== 'pending',
  );
  expect(deliveries).toMatchObject([{ email: EDUCATOR, status: 'unsubscribed', attempts: 0 }]);
  await waitForQueueSettled(h.vhostUrl, QUEUES.notifier);
  expect(smtp.received.filter((m) => m.headers.get('x-notification-id') === second)).toEqual([]);
  expect(smtp.rcptTo.filter((a) => a === EDUCATOR)).toHaveLength(1);
});
