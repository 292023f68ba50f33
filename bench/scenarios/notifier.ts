import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXCHANGES } from '@identity-relay/bus';
import {
  CompiledNotification,
  messageRoutes,
  MessageType,
  newCloudEvent,
  signUnsubscribeToken,
} from '@identity-relay/contracts';
import { createTransport } from 'nodemailer';
import { publishConfirmed } from '../lib/amqp.js';
import type { BenchContext } from '../lib/context.js';
import { cpuDuring, pidsOf } from '../lib/cpu.js';
import { serviceEnv, withInfra, type Infra } from '../lib/infra.js';
import { scenario, type ScenarioResult } from '../lib/results.js';
import { freePort, startService, type ServiceProcess } from '../lib/services.js';
import { round } from '../lib/stats.js';

const LIST = 'educators';
/** Pooled SMTP connections for both the notifier (SMTP_MAX_CONNECTIONS) and the raw nodemailer baseline. */
const CONNECTIONS = 5;
const SUBJECT = 'Timetable change for next week';
const TEXT = 'Hello,\n\nthe timetable for next week has changed; see the staff portal.\n\n-- school office\n';
/** The same email as Liquid templates rendered per recipient (their synced traits and the request data). */
const TEMPLATED = {
  subject: '{{ data.change }} for {{ recipient.traits.name.first }}',
  text: 'Hello {{ recipient.traits.name.first }},\n\nthe {{ data.change | downcase }} is in the staff portal.\n',
  html: '<p>Hello {{ recipient.traits.name.first }},</p><p>the {{ data.change | downcase }} is in the portal.</p>',
  data: { change: 'Timetable change' },
};

interface Sink {
  port: number;
  count(): Promise<number>;
  proc: ServiceProcess;
}

/**
 * One NotificationRequested to a list of N subscribers, sent by the notifier (its own process, every email
 * recorded in the per-recipient ledger) into a local SMTP sink (another process). Baseline: raw nodemailer,
 * pooled with the same number of connections, sending N emails to the same sink.
 */
export async function notifierScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const n = ctx.notifierSubscribers;
  const result = scenario('notifier', 'Notifier: one notification to a list', {
    subscribers: n,
    smtpConnections: CONNECTIONS,
    templates: ctx.notifierTemplates,
  });
  return withInfra(async (infra) => {
    const sink = await startSink(ctx);
    try {
      const measured = await cpuDuring({ nodemailer: () => [process.pid], sink: () => [sink.proc.pid] }, () =>
        rawNodemailer(sink, n),
      );
      const baseline = measured.value;
      ctx.log(`  raw nodemailer: ${Math.round(baseline)} emails/s`);
      await insertSubscribers(infra, n);
      const { rate, cpu } = await notifierRun(ctx, infra, sink, n, PLAIN);
      ctx.log(`  notifier: ${Math.round(rate)} emails/s`);
      if (ctx.notifierTemplates) {
        const rawTemplated = await cpuDuring({ nodemailer: () => [process.pid] }, () =>
          rawNodemailer(sink, n, templatedMail()),
        );
        ctx.log(`  raw nodemailer, templated: ${Math.round(rawTemplated.value)} emails/s`);
        const templated = await notifierRun(ctx, infra, sink, n, TEMPLATED);
        ctx.log(`  notifier, templated: ${Math.round(templated.rate)} emails/s`);
        result.figures.push({
          metric: 'emails sent, Liquid templates per recipient',
          value: round(templated.rate),
          unit: 'emails/s',
          baselines: {
            'raw nodemailer, pooled, the same templated email': round(rawTemplated.value),
            'raw nodemailer, pooled': round(baseline),
            'notifier, plain text': round(rate),
          },
          target: '≥ 85% of raw nodemailer with the same templated email',
          met: templated.rate >= 0.85 * rawTemplated.value,
        });
        result.notes.push(
          `templated (subject, text and HTML rendered per recipient with traits): ${Math.round((templated.rate / rawTemplated.value) * 100)}% of raw nodemailer sending the same templated email (rendered with the same Liquid templates, same headers, no ledger: ${perEmail(rawTemplated.cpu.nodemailer, n)} µs CPU per email), ${Math.round((templated.rate / rate) * 100)}% of the plain notifier, ${Math.round((templated.rate / baseline) * 100)}% of plain raw nodemailer; CPU per email ${perEmail(templated.cpu.notifier, n)} µs (postgres ${perEmail(templated.cpu.postgres, n)} µs).`,
        );
      }
      result.figures.push({
        metric: 'emails sent',
        value: round(rate),
        unit: 'emails/s',
        baselines: { 'raw nodemailer, pooled': round(baseline) },
        target: '≥ 85% of the baseline',
        met: rate >= 0.85 * baseline,
      });
      result.notes.push(
        `notifier = ${Math.round((rate / baseline) * 100)}% of raw pooled nodemailer (${CONNECTIONS} connections each, MAIL_RATE_PER_SECOND unbounded).`,
        `CPU per email: notifier ${perEmail(cpu.notifier, n)} µs, postgres ${perEmail(cpu.postgres, n)} µs, SMTP sink ${perEmail(cpu.sink, n)} µs; raw nodemailer ${perEmail(measured.cpu.nodemailer, n)} µs (the benchmark process), SMTP sink ${perEmail(measured.cpu.sink, n)} µs. Postgres counts every backend on the machine, other work's too.`,
      );
      result.charts.push({
        id: 'notifier',
        title: `One notification to ${n.toLocaleString('en-US')} subscribers`,
        unit: 'emails/s',
        kind: 'bars',
        bars: [
          { label: 'raw nodemailer', value: round(baseline), baseline: true },
          { label: 'notifier', value: round(rate) },
        ],
      });
      return result;
    } finally {
      await sink.proc.stop();
    }
  });
}

async function startSink(ctx: BenchContext): Promise<Sink> {
  const port = await freePort();
  const countPort = await freePort();
  const proc = await startService({
    name: 'notifier-smtp-sink',
    script: 'bench/baselines/smtp-sink.ts',
    env: { BENCH_PORT: String(port), BENCH_COUNT_PORT: String(countPort) },
    ready: /listening/,
    logDir: ctx.runDir,
    timeoutMs: ctx.readyTimeoutMs,
  });
  return {
    port,
    proc,
    count: async () => Number(await (await fetch(`http://127.0.0.1:${countPort}/`)).text()),
  };
}

/** The mail options of baseline email `i`. */
type BaselineMail = (i: number) => Parameters<ReturnType<typeof createTransport>['sendMail']>[0];

const plainMail: BaselineMail = (i) => ({
  from: 'identity-relay <no-reply@localhost>',
  to: `baseline-${i}@school.example`,
  subject: SUBJECT,
  text: TEXT,
  messageId: `<${randomUUID()}@identity-relay>`,
});

/**
 * The notifier's templated email without the notifier: the same Liquid templates rendered per recipient
 * (packages/contracts, as the notifier does), the same footer link and list headers, sent straight away.
 */
function templatedMail(): BaselineMail {
  const templates = new CompiledNotification(TEMPLATED);
  return (i) => {
    const email = `baseline-${i}@school.example`;
    const body = templates.render({ email, traits: { name: { first: `Teacher${i}` } } });
    const url = `http://localhost:8080/unsubscribe/${signUnsubscribeToken('b'.repeat(32), { list: LIST, email })}`;
    const footer = `<p>You get this email as a member of the list &quot;${LIST}&quot;. <a href="${url}">Unsubscribe</a></p>`;
    return {
      from: 'identity-relay <no-reply@localhost>',
      to: email,
      subject: body.subject,
      text: `${body.text}\n\n--\nYou get this email as a member of the list "${LIST}".\nUnsubscribe: ${url}\n`,
      html: `${body.html ?? ''}\n${footer}`,
      messageId: `<${randomUUID()}@identity-relay>`,
      headers: {
        'X-Notification-Id': 'bench',
        'X-Notification-Topic': 'timetable',
        'Auto-Submitted': 'auto-generated',
        'List-Id': `<${LIST}.localhost>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'List-Unsubscribe': `<${url}>`,
      },
    };
  };
}

async function rawNodemailer(sink: Sink, n: number, mail: BaselineMail = plainMail): Promise<number> {
  const transport = createTransport({
    host: '127.0.0.1',
    port: sink.port,
    secure: false,
    pool: true,
    maxConnections: CONNECTIONS,
    maxMessages: 100,
  });
  const before = await sink.count();
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await transport.sendMail(mail(i));
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS * 2 }, worker));
  const rate = n / ((performance.now() - started) / 1000);
  transport.close();
  if ((await sink.count()) - before !== n) throw new Error('the sink did not count every baseline email');
  return rate;
}

/** N subscribers, each with a synced identity whose traits the templated run renders. */
async function insertSubscribers(infra: Infra, n: number): Promise<void> {
  await infra.pool.query(
    `WITH ids AS (
       INSERT INTO identities (id, provider, external_id, email, state, traits, source_updated_at, version)
       SELECT gen_random_uuid(), 'kratos', 'bench-' || i, 'teacher-' || i || '@school.example', 'active',
         jsonb_build_object('name', jsonb_build_object('first', 'Teacher' || i)), now(), 1
       FROM generate_series(1, $2::int) AS i
       RETURNING id, email)
     INSERT INTO subscribers (id, list, email, identity_id, subscribed_at, updated_at)
     SELECT gen_random_uuid(), $1, email, id, now(), now() FROM ids`,
    [LIST, n],
  );
}

const PLAIN = { subject: SUBJECT, text: TEXT };

/** CPU seconds spent on `n` emails as whole microseconds per email. */
const perEmail = (seconds: number | undefined, n: number): number => Math.round(((seconds ?? NaN) / n) * 1e6);

async function notifierRun(
  ctx: BenchContext,
  infra: Infra,
  sink: Sink,
  n: number,
  content: { subject: string; text: string; html?: string; data?: Record<string, unknown> },
) {
  const proc = await startService({
    name: 'notifier',
    script: 'services/notifier/src/main.ts',
    env: serviceEnv(infra, {
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      SMTP_MAX_CONNECTIONS: String(CONNECTIONS),
      MAIL_RATE_PER_SECOND: '100000',
    }),
    ready: /notifier consuming/,
    logDir: ctx.runDir,
    timeoutMs: ctx.readyTimeoutMs,
    cpuProfDir: ctx.cpuProfDir,
  });
  try {
    const before = await sink.count();
    const data = { topic: 'timetable', list: LIST, ...content };
    const event = newCloudEvent({
      type: MessageType.NotificationRequested,
      source: 'identity-relay/bench',
      data,
    });
    const message = {
      messageId: event.id,
      type: event.type,
      routingKey: messageRoutes.NotificationRequested.routingKey(data),
      body: Buffer.from(JSON.stringify(event)),
    };
    const { value: seconds, cpu } = await cpuDuring(
      { notifier: () => [proc.pid], postgres: () => pidsOf('postgres'), sink: () => [sink.proc.pid] },
      async () => {
        const started = performance.now();
        await publishConfirmed(infra.amqpUrl, EXCHANGES.notifications, [message]);
        const deadline = Date.now() + 600_000;
        while ((await sink.count()) - before < n) {
          if (Date.now() > deadline) throw new Error('notifier did not send every email within 10 minutes');
          await sleep(100);
        }
        return (performance.now() - started) / 1000;
      },
    );
    return { rate: n / seconds, cpu };
  } finally {
    await proc.stop();
  }
}
