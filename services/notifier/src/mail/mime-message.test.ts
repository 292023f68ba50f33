import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { describe, expect, test } from 'vitest';
import { encodeMessage } from './mime-message.js';
import type { OutgoingMail } from './types.js';

const base: OutgoingMail = {
  from: 'Exams <exams@school.example>',
  to: 'ada@school.example',
  subject: 'Exam "Algebra 1" is ready',
  text: 'Your exam has been generated.\n\n--\nUnsubscribe: https://relay.example/unsubscribe/abc\n',
  html: '<p>Your exam has been <b>generated</b>.</p>\n<p><a href="https://relay.example/unsubscribe/abc">Unsubscribe</a></p>',
  messageId: '<n-1.0123456789abcdef@school.example>',
  headers: {
    'X-Notification-Id': 'n-1',
    'X-Notification-Topic': 'exam.generated',
    'Auto-Submitted': 'auto-generated',
    'List-Id': '<educators.school.example>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'List-Unsubscribe': `<https://relay.example/unsubscribe/${'t'.repeat(140)}>`,
  },
};

const cases: Record<string, OutgoingMail> = {
  'plain ASCII, text and HTML': base,
  'text only': { ...base, html: null },
  'non-ASCII subject, display name and bodies (quoted-printable)': {
    ...base,
    from: 'Prüfungsamt <pruefungen@schule.example>',
    subject: 'Prüfung „Algebra 1“ ist bereit – bitte ansehen, sie enthält die Aufgaben für nächste Woche',
    text: `Grüße,\n\ndie Prüfung ist fertig.\n${'lange Zeile '.repeat(12)}\n`,
    html: '<p>Grüße, die Prüfung ist <b>fertig</b>.</p>',
  },
  'mostly non-Latin bodies (base64)': {
    ...base,
    subject: 'Экзамен готов',
    text: 'Экзамен по алгебре готов. Посмотрите задания на следующей неделе.\n',
    html: '<p>Экзамен по алгебре готов.</p>',
  },
  'a line starting with a dot, a long unbroken line and CRLF input': {
    ...base,
    text: `.hidden\r\nline two\n${'x'.repeat(200)}\n`,
  },
};

/** nodemailer's own streamed build of the same tree, with CRLF line ends (the .eml writer's old path). */
async function streamed(mail: OutgoingMail): Promise<{ bytes: Buffer; boundary: string; date: Date }> {
  const date = new Date('2026-12-01T19:00:00Z');
  const root = new MailComposer({ ...mail, html: mail.html ?? undefined, date }).compile();
  root.newline = 'windows';
  const bytes = await new Promise<Buffer>((resolve, reject) =>
    root.build((err, out) => (err ? reject(err) : resolve(out))),
  );
  return { bytes, boundary: String(root.boundary), date };
}

/** Boundaries are random per message: compare with them replaced. */
const withoutBoundaries = (message: Buffer): string =>
  message.toString('utf8').replace(/--_NmP-[0-9a-f]+-Part_\d+/g, '<boundary>');

describe('encodeMessage', () => {
  test.each(Object.entries(cases))("%s: the same bytes as nodemailer's streamed build", async (_, mail) => {
    const expected = await streamed(mail);
    const actual = encodeMessage(mail, expected.date);
    expect(withoutBoundaries(actual)).toBe(withoutBoundaries(expected.bytes));
  });

  test('mailparser reads back the headers, addresses and both parts', async () => {
    const mail = cases['non-ASCII subject, display name and bodies (quoted-printable)']!;
    const parsed = await simpleParser(encodeMessage(mail));
    expect(parsed.subject).toBe(mail.subject);
    expect(parsed.from?.value).toEqual([{ address: 'pruefungen@schule.example', name: 'Prüfungsamt' }]);
    expect(parsed.messageId).toBe(mail.messageId);
    expect(parsed.text).toBe(mail.text);
    expect(parsed.html).toBe(mail.html);
    expect(parsed.headers.get('list')).toMatchObject({
      unsubscribe: { url: `https://relay.example/unsubscribe/${'t'.repeat(140)}` },
    });
    const line = (key: string) => parsed.headerLines.find((l) => l.key === key)?.line;
    expect(line('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(line('list-id')).toBe('List-ID: <educators.school.example>');
    expect(parsed.headers.get('x-notification-topic')).toBe('exam.generated');
  });

  test('every line ends with CRLF and none is longer than 998 characters', () => {
    const lines = encodeMessage(cases['a line starting with a dot, a long unbroken line and CRLF input']!)
      .toString()
      .split('\r\n');
    expect(lines.every((l) => !l.includes('\n') && !l.includes('\r') && l.length <= 998)).toBe(true);
  });
});
