import { createTransport } from 'nodemailer';
import { afterEach, expect, test } from 'vitest';
import { freePort } from './ports.js';
import { rawHeader, SmtpSink, startSmtpSink } from './smtp-sink.js';

const sinks: SmtpSink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
});

async function sink(...args: Parameters<typeof startSmtpSink>): Promise<SmtpSink> {
  const started = await startSmtpSink(...args);
  sinks.push(started);
  return started;
}

/** One message through a real nodemailer transport (no pool: a connection per message). */
function send(
  port: number,
  mail: { to: string | string[]; subject?: string; headers?: Record<string, string> },
) {
  const transport = createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  return transport
    .sendMail({ from: 'relay@school.example', subject: 'Exam', text: 'Tomorrow at 9.', ...mail })
    .finally(() => transport.close());
}

test('without collect it counts each message and keeps nothing', async () => {
  const smtp = await sink();
  await send(smtp.port, { to: 'a@school.example' });
  await send(smtp.port, { to: ['b@school.example', 'c@school.example'] });
  expect(smtp.count).toBe(2);
  expect(smtp.received).toEqual([]);
  expect(smtp.rcptTo).toEqual([]);
});

test('with collect it keeps each message parsed and every RCPT TO; rejected recipients get a 550', async () => {
  const smtp = await sink({ collect: true, reject: ['Bounce@school.example'] });
  const before = Date.now();
  const info = await send(smtp.port, {
    to: ['a@school.example', 'bounce@school.example'],
    subject: 'Exam moved',
    headers: { 'List-Unsubscribe': '<https://relay.example/u/1>', 'X-Notification-Id': 'n1' },
  });
  expect(info.accepted).toEqual(['a@school.example']);
  expect(info.rejected).toEqual(['bounce@school.example']);
  expect(smtp.rcptTo).toEqual(['a@school.example', 'bounce@school.example']);
  expect(smtp.count).toBe(1);
  const [mail] = smtp.received;
  expect(mail).toMatchObject({
    to: ['a@school.example', 'bounce@school.example'],
    from: 'relay@school.example',
    subject: 'Exam moved',
    text: 'Tomorrow at 9.\n',
    html: false,
    messageId: info.messageId,
  });
  expect(mail!.at).toBeGreaterThanOrEqual(before);
  expect(mail!.headers.get('x-notification-id')).toBe('n1');
  expect(rawHeader(mail!.headerLines, 'List-Unsubscribe')).toBe('<https://relay.example/u/1>');
  expect(rawHeader(mail!.headerLines, 'List-Id')).toBeUndefined();
});

test('stopped, it refuses connections; started again, it takes mail on the same port', async () => {
  const port = await freePort();
  const smtp = new SmtpSink({ port, collect: true });
  sinks.push(smtp);
  expect(smtp.port).toBe(port);
  await smtp.start();
  await send(port, { to: 'a@school.example' });
  await smtp.stop();
  expect(smtp.up).toBe(false);
  await expect(send(port, { to: 'b@school.example' })).rejects.toThrow(/ECONNREFUSED/);
  await smtp.start();
  expect(smtp.up).toBe(true);
  await send(port, { to: 'c@school.example' });
  expect(smtp.received.flatMap((m) => m.to)).toEqual(['a@school.example', 'c@school.example']);
  expect(smtp.count).toBe(2);
});

test('a message beforeAccept refuses is never answered nor counted', async () => {
  const smtp = await sink({ beforeAccept: (n) => n !== 2 });
  await send(smtp.port, { to: 'a@school.example' });
  const transport = createTransport({
    host: '127.0.0.1',
    port: smtp.port,
    ignoreTLS: true,
    socketTimeout: 300,
  });
  await expect(
    transport.sendMail({ from: 'relay@school.example', to: 'b@school.example', text: 'x' }),
  ).rejects.toThrow(/timeout/i);
  transport.close();
  await send(smtp.port, { to: 'c@school.example' });
  expect(smtp.count).toBe(2);
});
