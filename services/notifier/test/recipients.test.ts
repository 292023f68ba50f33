import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyUnsubscribeToken } from '@identity-relay/contracts';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { messageIdFor } from '../src/index.js';
import { exam, startHarness, UNSUBSCRIBE_BASE_URL, UNSUBSCRIBE_SECRET, type Harness } from './harness.js';
import { rawHeader, startSmtpSink, type SmtpSink } from '@identity-relay/test-support';

// Real broker, real database, the real SMTP server (smtp-server) and the real .eml writer; mails are parsed
// with mailparser. What recipients control: unsubscribe headers and links, bounces, opt-outs, templates.

let h: Harness;
let smtp: SmtpSink;
let stop: () => Promise<void>;
beforeAll(async () => {
  h = await startHarness();
  smtp = await startSmtpSink({ collect: true, reject: ['bounce@school.example'] });
  stop = await h.startNotifier({ smtpUrl: `smtp://127.0.0.1:${smtp.port}` });
});
afterAll(async () => {
  await stop?.();
  await smtp?.stop();
  await h?.dispose();
});

const UNSUBSCRIBE_URL =
  /^<(https:\/\/relay\.school\.example\/unsubscribe\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}))>$/;

const settled = (id: string, n: number) =>
  h.waitFor(
    () => h.deliveries(id),
    (d) => d.length === n && d.every((x) => x.status !== 'pending'),
  );

describe('unsubscribe headers (RFC 2369, RFC 8058) and Message-ID', () => {
  test('every list mail carries a signed one-click List-Unsubscribe, the same link in text and HTML, and a Message-ID in the MAIL_FROM domain', async () => {
    await h.subscribe('heads', ['ada@school.example', 'bob@school.example']);
    const id = await h.request(exam({ list: 'heads' }));
    await settled(id, 2);
    const mine = smtp.received.filter((m) => m.headers.get('x-notification-id') === id);
    expect(mine).toHaveLength(2);
    for (const m of mine) {
      const to = m.to[0]!;
      const header = rawHeader(m.headerLines, 'List-Unsubscribe') ?? '';
      const [, url, token] = UNSUBSCRIBE_URL.exec(header) ?? [];
      expect(url, header).toBeDefined();
      // mailparser's own reading of the List-* headers agrees.
      expect(m.headers.get('list')).toMatchObject({ unsubscribe: { url } });
      expect(verifyUnsubscribeToken(UNSUBSCRIBE_SECRET, token!)).toEqual({
        ok: true,
        list: 'heads',
        email: to,
      });
      expect(rawHeader(m.headerLines, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(rawHeader(m.headerLines, 'List-Id')).toBe('<heads.school.example>');
      expect(m.text).toContain(`Unsubscribe: ${url}`);
      expect(m.html).toContain(`<a href="${url}">Unsubscribe</a>`);
      expect(m.messageId).toBe(messageIdFor(id, to, 'school.example'));
      expect(m.messageId).toMatch(/^<[^@>]+@school\.example>$/);
    }
  });

  test('the .eml writer produces the same headers, and UNSUBSCRIBE_MAILTO adds the mailto: form', async () => {
    const dir = join(tmpdir(), `eml-${process.pid}-${Date.now()}`);
    await stop();
    const stopEml = await h.startNotifier(
      { mailDir: dir },
      { unsubscribeMailto: 'unsubscribe@school.example' },
    );
    try {
      await h.subscribe('eml', ['cy@school.example']);
      const id = await h.request(exam({ list: 'eml' }));
      await settled(id, 1);
      const [file] = await readdir(dir);
      const mail = await simpleParser(await readFile(join(dir, file!)));
      expect(rawHeader(mail.headerLines, 'List-Unsubscribe')).toMatch(
        /^<https:\/\/relay\.school\.example\/unsubscribe\/[A-Za-z0-9_.-]+>, <mailto:unsubscribe@school\.example\?subject=unsubscribe%20eml>$/,
      );
      expect(mail.headers.get('list')).toMatchObject({
        unsubscribe: { mail: 'unsubscribe@school.example?subject=unsubscribe%20eml' },
      });
      expect(rawHeader(mail.headerLines, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(mail.messageId).toMatch(/@school\.example>$/);
      expect(mail.text).toContain(`${UNSUBSCRIBE_BASE_URL}/unsubscribe/`);
    } finally {
      await stopEml();
      await rm(dir, { recursive: true, force: true });
      stop = await h.startNotifier({ smtpUrl: `smtp://127.0.0.1:${smtp.port}` });
    }
  });
});

describe('bounces and suppression', () => {
  test('a 550 suppresses the address with the reason; the next notification skips it without an SMTP attempt', async () => {
    await h.subscribe('bounces', ['bounce@school.example', 'fine@school.example']);
    const first = await h.request(exam({ list: 'bounces' }));
    const done = await settled(first, 2);
    expect(done.map((d) => [d.email, d.status])).toEqual([
      ['bounce@school.example', 'failed'],
      ['fine@school.example', 'sent'],
    ]);
    const [suppression] = await h.prisma.$queryRaw<{ reason: string; notification_id: string }[]>`
      SELECT reason, notification_id FROM suppressions WHERE email = 'bounce@school.example'`;
    expect(suppression).toEqual({ reason: '550 5.1.1 mailbox unavailable', notification_id: first });

    const attemptsBefore = smtp.rcptTo.filter((a) => a === 'bounce@school.example').length;
    expect(attemptsBefore).toBe(1);
    const second = await h.request(exam({ list: 'bounces' }));
    const next = await settled(second, 2);
    expect(next.map((d) => [d.email, d.status, d.attempts])).toEqual([
      ['bounce@school.example', 'suppressed', 0],
      ['fine@school.example', 'sent', 1],
    ]);
    expect(next[0]!.error).toBe('550 5.1.1 mailbox unavailable');
    expect(smtp.rcptTo.filter((a) => a === 'bounce@school.example')).toHaveLength(1);
    expect(await h.dead(300)).toHaveLength(0);
  });

  test('a delivery recorded before its address was suppressed is skipped by the round, not sent', async () => {
    await h.subscribe('late', ['late@school.example']);
    await h.prisma.$executeRaw`
      INSERT INTO suppressions (email, reason) VALUES ('late@school.example', '550 earlier bounce')`;
    const id = await h.request(exam({ list: 'late' }));
    expect((await settled(id, 1))[0]).toMatchObject({ status: 'suppressed', attempts: 0 });
    expect(smtp.rcptTo).not.toContain('late@school.example');
  });
});

describe('opt-outs', () => {
  test('a person who opted out of the list is recorded as unsubscribed and not mailed; other lists still reach them', async () => {
    await h.subscribe('optout', ['gone@school.example', 'stays@school.example']);
    await h.subscribe('other', ['gone@school.example']);
    await h.prisma.$executeRaw`
      INSERT INTO subscriber_opt_outs (list, email, method) VALUES ('optout', 'gone@school.example', 'one-click')`;
    const id = await h.request(exam({ list: 'optout' }));
    expect((await settled(id, 2)).map((d) => [d.email, d.status])).toEqual([
      ['gone@school.example', 'unsubscribed'],
      ['stays@school.example', 'sent'],
    ]);
    const other = await h.request(exam({ list: 'other' }));
    expect((await settled(other, 1))[0]!.status).toBe('sent');
  });
});

describe('templates', () => {
  test("each recipient's email renders their own first name, the request data, and HTML-escaped traits", async () => {
    const names: Record<string, string> = { 'ann@school.example': 'Ann', 'ben@school.example': 'Ben <b>' };
    await h.subscribe('tmpl', Object.keys(names), { traits: (email) => ({ name: { first: names[email] } }) });
    const id = await h.request(
      exam({
        list: 'tmpl',
        subject: 'Hello {{ recipient.traits.name.first }}',
        text: 'Dear {{ recipient.traits.name.first }}, {{ data.examTitle }} is ready for {{ recipient.email }}.',
        html: '<p>Dear {{ recipient.traits.name.first }}</p>',
        data: { examTitle: 'Algebra 1' },
      }),
    );
    await settled(id, 2);
    const mine = smtp.received.filter((m) => m.headers.get('x-notification-id') === id);
    const byTo = Object.fromEntries(mine.map((m) => [m.to[0]!, m]));
    expect(byTo['ann@school.example']!.subject).toBe('Hello Ann');
    expect(byTo['ann@school.example']!.text).toMatch(
      /^Dear Ann, Algebra 1 is ready for ann@school\.example\./,
    );
    expect(byTo['ben@school.example']!.subject).toBe('Hello Ben <b>');
    expect(byTo['ben@school.example']!.html).toMatch(/^<p>Dear Ben &lt;b&gt;<\/p>/);
  });

  test('a template published straight to the exchange that does not parse is dead-lettered at once, nothing sent', async () => {
    await h.subscribe('broken', ['x@school.example']);
    const id = await h.request(exam({ list: 'broken', text: 'Hello {{ recipient.email ' }));
    const [dead] = await h.dead(10_000);
    expect(dead?.properties.messageId).toBe(id);
    expect(String(dead!.headers['x-error'])).toMatch(/template does not parse: text:/);
    expect(smtp.rcptTo).not.toContain('x@school.example');
  });
});
