import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { exam, startHarness, type Harness } from './harness.js';
import { startSmtpSink, type SmtpSink } from '@identity-relay/test-support';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

let h: Harness;
let smtp: SmtpSink;
let child: ChildProcess | undefined;
let killAt = 6;

/** The real notifier process (main.ts), one SMTP connection so sends are strictly one after another. */
function startNotifierProcess(): ChildProcess {
  const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      AMQP_URL: h.vhostUrl,
      DATABASE_URL: h.dbUrl,
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      SMTP_MAX_CONNECTIONS: '1',
      MAIL_RATE_PER_SECOND: '1000',
      HEALTH_PORT: '0',
      RETRY_DELAYS_MS: h.retryDelaysMs.join(','),
    },
  });
  proc.stderr!.on('data', (d: Buffer) => process.stderr.write(`[notifier] ${d.toString()}`));
  return proc;
}

beforeAll(async () => {
  h = await startHarness();
  smtp = await startSmtpSink({
    collect: true,
    // The 6th message reaches the server and the worker is killed before the server answers it: the
    // server never accepted it, so it must be sent again after the restart, and the first five never.
    beforeAccept: (count) => {
      if (count !== killAt) return true;
      child?.kill('SIGKILL');
      return false;
    },
  });
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await smtp?.stop();
  await h?.dispose();
});

test('a notifier killed mid-batch and restarted sends the rest, and nobody gets the email twice', async () => {
  const emails = Array.from({ length: 20 }, (_, i) => `educator${String(i).padStart(2, '0')}@school.example`);
  await h.subscribe('educators', emails);
  child = startNotifierProcess();
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child!.once('exit', (_code, signal) => resolve(signal)),
  );
  const id = await h.request(exam());
  expect(await exited).toBe('SIGKILL');

  const afterKill = await h.deliveries(id);
  expect(afterKill.filter((d) => d.status === 'sent')).toHaveLength(killAt - 1);
  expect(afterKill.filter((d) => d.status === 'pending')).toHaveLength(emails.length - (killAt - 1));
  expect(smtp.received).toHaveLength(killAt - 1);

  killAt = 0; // let the restarted worker finish
  child = startNotifierProcess();
  const done = await h.waitFor(
    () => h.deliveries(id),
    (d) => d.every((x) => x.status === 'sent'),
    30_000,
  );
  expect(done.every((d) => d.status === 'sent')).toBe(true);
  const recipients = smtp.received.flatMap((m) => m.to).sort();
  expect(recipients).toEqual(emails); // every recipient exactly once
  expect(new Set(smtp.received.map((m) => m.messageId)).size).toBe(emails.length);
  child.kill('SIGTERM');
});
