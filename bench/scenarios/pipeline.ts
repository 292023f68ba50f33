import { QUEUES } from '@identity-relay/bus';
import { connect } from 'amqplib';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../lib/context.js';
import { cpuDuring, pidsOf } from '../lib/cpu.js';
import { withInfra, type Infra } from '../lib/infra.js';
import { allServices, startPipeline, webhookLoad } from '../lib/pipeline.js';
import { scenario, type ScenarioResult } from '../lib/results.js';
import { round } from '../lib/stats.js';
import { cpuUs, expressPublish, measure } from './ingress.js';

const WARMUP_SECONDS = 3;
/** The backlog left when the load stops must be worked off within this many seconds. */
const SETTLE_TIMEOUT_SECONDS = 300;

/**
 * The whole pipeline under webhook load, every service running as `npm start` runs them (each its own
 * compiled process): 50 connections of new-identity webhooks as fast as the ingress accepts them while
 * identity-sync, subscribers and the rest work beside it on the same two cores. Figures: the accepted rate
 * against the ingress' physical floor (bare Express + confirmed publish, measured alone just before), and the
 * CPU each webhook costs across every process — from the first request until the last IdentityChanged is
 * published and every work queue is empty, so work deferred into a backlog is counted too.
 */
export async function pipelineScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const services = allServices();
  const result = scenario('pipeline', 'Whole pipeline under webhook load', {
    seconds: ctx.httpSeconds,
    warmupSeconds: WARMUP_SECONDS,
    connections: 50,
    services,
  });
  const floor = await withInfra((infra) => measure(ctx, expressPublish(infra)));
  ctx.log(`  Express + confirmed publish alone: ${Math.round(floor.rps)} req/s`);
  return withInfra(async (infra) => {
    const pipeline = await startPipeline(ctx, infra, services, {}, 'pipeline');
    try {
      await webhookLoad(pipeline.ingressUrl, WARMUP_SECONDS, new Map());
      await settled(infra, SETTLE_TIMEOUT_SECONDS);
      const published = await publishedCount(infra);
      const groups: Record<string, () => number[]> = Object.fromEntries(
        pipeline.processes.map((p) => [p.name.replace(/^pipeline-/, ''), () => [p.pid]]),
      );
      const started = performance.now();
      let loadEnded = 0;
      const { value: load, cpu } = await cpuDuring(
        {
          ...groups,
          postgres: () => pidsOf('postgres'),
          rabbitmq: () => pidsOf('beam.smp'),
          'load generator': () => [process.pid],
        },
        async () => {
          const load = await webhookLoad(pipeline.ingressUrl, ctx.httpSeconds, new Map());
          loadEnded = performance.now();
          await settled(infra, SETTLE_TIMEOUT_SECONDS);
          return load;
        },
      );
      const totalSeconds = (performance.now() - started) / 1000 - 1;
      // The last second of quiet that proved the pipeline settled is not backlog.
      const backlogSeconds = Math.max(0, (performance.now() - loadEnded) / 1000 - 1);
      const out = (await publishedCount(infra)) - published;
      const share = load.rps / floor.rps;
      const serviceCpu = Object.keys(groups).reduce((sum, k) => sum + (cpu[k] ?? 0), 0);
      const allCpu = serviceCpu + (cpu.postgres ?? 0) + (cpu.rabbitmq ?? 0);
      const perWebhook = (seconds: number) => Math.round((seconds / Math.max(1, load.requests)) * 1e6);
      result.figures.push(
        {
          metric: 'accepted webhooks',
          value: round(load.rps),
          unit: 'req/s',
          baselines: { 'Express 5 + confirmed publish, alone': round(floor.rps) },
          target: '≥ 75% of Express + confirmed publish',
          met: share >= 0.75,
        },
        {
          metric: 'CPU per webhook, all processes',
          value: perWebhook(allCpu),
          unit: 'µs',
          baselines: {
            'Express 5 + confirmed publish (server + broker)':
              cpuUs(floor.cpu.server, floor) + cpuUs(floor.cpu.broker, floor),
          },
        },
      );
      result.notes.push(
        `Accepted ${load.requests} webhooks in ${ctx.httpSeconds} s = ${Math.round(share * 100)}% of Express + confirmed publish alone (${round(floor.rps)} req/s); errors/non-2xx ${load.errors}/${load.non2xx}; HTTP p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms.`,
        `${out} IdentityChanged published; the backlog was worked off ${round(backlogSeconds)} s after the load stopped, so the pipeline completed ${round(load.requests / totalSeconds)} webhooks/s end to end.`,
        `CPU per webhook (load through backlog): ${Object.entries(cpu)
          .map(([k, v]) => `${k} ${perWebhook(v)} µs`)
          .join(
            ', ',
          )}; all service processes ${perWebhook(serviceCpu)} µs, with postgres and RabbitMQ ${perWebhook(allCpu)} µs.`,
      );
      result.charts.push({
        id: 'pipeline-cpu',
        title: 'CPU per accepted webhook, whole pipeline',
        unit: 'µs',
        kind: 'bars',
        bars: Object.entries(cpu).map(([k, v]) => ({ label: k, value: perWebhook(v) })),
      });
      return result;
    } finally {
      await pipeline.stop();
    }
  });
}

async function publishedCount(infra: Infra): Promise<number> {
  const { rows } = await infra.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM identity_events e
     WHERE version IS NOT NULL AND NOT EXISTS (SELECT 1 FROM identity_outbox o WHERE o.event_id = e.id)`,
  );
  return rows[0]!.n;
}

/**
 * Waits until the outbox is empty, no work queue holds a ready message, and no consumer recorded a processed
 * message for a second (messages being worked on are unacknowledged, not ready).
 */
async function settled(infra: Infra, timeoutSeconds: number): Promise<void> {
  const model = await connect(infra.amqpUrl);
  try {
    const channel = await model.createChannel();
    const deadline = Date.now() + timeoutSeconds * 1000;
    let processed = -1;
    let quietSince = Date.now();
    for (;;) {
      const { rows } = await infra.pool.query<{ pending: number; processed: number }>(
        `SELECT (SELECT count(*)::int FROM identity_outbox) AS pending,
                (SELECT count(*)::int FROM processed_messages) AS processed`,
      );
      let queued = 0;
      for (const queue of Object.values(QUEUES)) queued += (await channel.checkQueue(queue)).messageCount;
      if (rows[0]!.processed !== processed || rows[0]!.pending > 0 || queued > 0) {
        processed = rows[0]!.processed;
        quietSince = Date.now();
      } else if (Date.now() - quietSince >= 1000) {
        return;
      }
      if (Date.now() > deadline) throw new Error(`pipeline not settled after ${timeoutSeconds} s`);
      await sleep(100);
    }
  } finally {
    await model.close().catch(() => undefined);
  }
}
