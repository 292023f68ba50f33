import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXCHANGES } from '@identity-relay/bus';
import { messageRoutes, MessageType, newCloudEvent } from '@identity-relay/contracts';
import { publishConfirmed } from '../lib/amqp.js';
import type { BenchContext } from '../lib/context.js';
import { withInfra, type Infra } from '../lib/infra.js';
import { startPipeline, webhookLoad } from '../lib/pipeline.js';
import { scenario, type ScenarioResult } from '../lib/results.js';
import { round, slope } from '../lib/stats.js';

const SERVICES = ['ingress', 'identity-sync', 'subscribers', 'notifier'];
/** RSS limits after the load: the ingress ≤ 100 MB, every worker ≤ 150 MB (compiled services). */
const LIMITS: Record<string, number> = {
  ingress: 100,
  'identity-sync': 150,
  subscribers: 150,
  notifier: 150,
};
/** Webhooks per second during the sustained load (each a new identity, two in three educators). */
const RATE = 300;
const SAMPLE_MS = 5000;
/** Every NOTIFY_EVERY_MS a notification to a 100-subscriber list keeps the notifier working too. */
const NOTIFY_EVERY_MS = 10_000;
const SMALL_LIST = 'bench-memory';

/**
 * RSS of every service process at idle, then during sustained webhook load through the whole pipeline
 * (ingress → identity-sync → subscribers, plus a notification every 10 s), sampled every 5 s. "Steady growth"
 * is judged by the slope of RSS over the second half of the load.
 */
export async function memoryScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const seconds = ctx.memorySeconds;
  const result = scenario('memory', 'Memory: RSS after sustained load', {
    seconds,
    rate: RATE,
    services: SERVICES,
  });
  return withInfra(async (infra) => {
    await seedSmallList(infra);
    const pipeline = await startPipeline(
      ctx,
      infra,
      SERVICES,
      { MAIL_DIR: join(ctx.runDir, 'mail') },
      'memory',
    );
    try {
      await sleep(5000);
      const idle = Object.fromEntries(pipeline.processes.map((p) => [p.name, p.rssMb()]));
      const series: Record<string, Array<[number, number]>> = {};
      const started = performance.now();
      const sample = () => {
        const t = round((performance.now() - started) / 1000);
        for (const p of pipeline.processes) (series[p.name] ??= []).push([t, round(p.rssMb())]);
      };
      sample();
      const sampler = setInterval(sample, Math.min(SAMPLE_MS, (seconds * 1000) / 4));
      const notifier = setInterval(() => void notify(infra), NOTIFY_EVERY_MS);
      const load = await webhookLoad(pipeline.ingressUrl, seconds, new Map(), RATE).finally(() => {
        clearInterval(sampler);
        clearInterval(notifier);
      });
      sample();
      for (const p of pipeline.processes) {
        const service = p.name.replace(/^memory-/, '');
        const points = series[p.name] ?? [];
        const end = points.at(-1)?.[1] ?? NaN;
        const peak = Math.max(...points.map(([, y]) => y));
        const secondHalf = points.filter(([t]) => t >= seconds / 2);
        const growth = slope(secondHalf) * 60; // MB per minute
        result.figures.push({
          metric: `${service} RSS after load`,
          value: round(end),
          unit: 'MB',
          baselines: { idle: round(idle[p.name] ?? NaN), peak: round(peak) },
          target: `≤ ${LIMITS[service]} MB, no steady growth`,
          // Growth under 1 MB/min over the second half counts as flat (GC sawtooth, JIT, pools warming up).
          met: end <= (LIMITS[service] ?? 150) && growth < 1,
        });
        result.notes.push(
          `${service}: idle ${round(idle[p.name] ?? NaN)} MB, peak ${round(peak)} MB, end ${round(end)} MB, slope over the second half ${round(growth)} MB/min.`,
        );
      }
      result.notes.push(
        `Load: ${load.requests} webhooks at ${RATE}/s for ${seconds} s (errors/non-2xx ${load.errors}/${load.non2xx}); services run compiled (node dist/main.js).`,
      );
      result.charts.push({
        id: 'memory',
        title: `RSS under ${RATE} webhooks/s`,
        unit: 'MB',
        kind: 'lines',
        xLabel: 'seconds of load',
        series: Object.fromEntries(Object.entries(series).map(([k, v]) => [k.replace(/^memory-/, ''), v])),
      });
      return result;
    } finally {
      await pipeline.stop();
    }
  });
}

async function seedSmallList(infra: Infra): Promise<void> {
  await infra.pool.query(
    `INSERT INTO subscribers (id, list, email, identity_id, subscribed_at, updated_at)
     SELECT gen_random_uuid(), $1, 'memory-' || i || '@school.example', gen_random_uuid(), now(), now()
     FROM generate_series(1, 100) AS i`,
    [SMALL_LIST],
  );
}

async function notify(infra: Infra): Promise<void> {
  const data = {
    topic: 'memory',
    list: SMALL_LIST,
    subject: 'Memory check',
    text: 'Hello from the benchmark.',
  };
  const event = newCloudEvent({
    type: MessageType.NotificationRequested,
    source: 'identity-relay/bench',
    data,
  });
  await publishConfirmed(infra.amqpUrl, EXCHANGES.notifications, [
    {
      messageId: event.id,
      type: event.type,
      routingKey: messageRoutes.NotificationRequested.routingKey(data),
      body: Buffer.from(JSON.stringify(event)),
    },
  ]).catch(() => undefined);
}
