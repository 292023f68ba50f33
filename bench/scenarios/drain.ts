import { EXCHANGES } from '@identity-relay/bus';
import { publishConfirmed } from '../lib/amqp.js';
import type { BenchContext } from '../lib/context.js';
import { drainWithIdentitySync, type DrainResult } from '../lib/drain.js';
import { withInfra } from '../lib/infra.js';
import { pgOneRowPerCommit } from '../lib/pg-baseline.js';
import { scenario, type ScenarioResult } from '../lib/results.js';
import { round } from '../lib/stats.js';
import { kratosUpdates } from '../lib/workload.js';

/** Each identity gets this many versions: created once, updated the rest. */
const VERSIONS = 5;
const PG_BASELINE_SECONDS = 5;
/** The per-message comparison (BATCH_SIZE=1) drains this share of the messages: it is slow. */
const UNBATCHED_SHARE = 0.1;

/**
 * identity-sync draining a preloaded queue of KratosIdentityUpdated with every guarantee on (inbox, row
 * locks, stale checks, versions, outbox), until the last IdentityChanged is published. Baseline: raw pg
 * upserting one row per commit on the same database, measured just before. The same drain with
 * BATCH_SIZE=1 (one transaction per message) shows what batching buys.
 */
export async function drainScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const total = ctx.drainMessages;
  const unbatched = Math.max(200, Math.round(total * UNBATCHED_SHARE));
  const result = scenario('drain', 'identity-sync drain', {
    messages: total,
    identities: Math.ceil(total / VERSIONS),
    versionsPerIdentity: VERSIONS,
    batchedEnv: ctx.drainEnv,
    unbatchedMessages: unbatched,
  });
  const pg = await withInfra((infra) => pgOneRowPerCommit(infra.pool, PG_BASELINE_SECONDS));
  ctx.log(`  raw pg one row per commit: ${Math.round(pg.perSecond)}/s`);
  const batched = await drainOnce(ctx, total, ctx.drainEnv, 'drain-batched');
  ctx.log(`  batched: ${Math.round(batched.drain.publishedPerSecond)} msg/s`);
  const single = await drainOnce(ctx, unbatched, { BATCH_SIZE: '1' }, 'drain-single');
  ctx.log(`  BATCH_SIZE=1: ${Math.round(single.drain.publishedPerSecond)} msg/s`);

  if (ctx.sweepBatchSizes.length > 0) await sweep(ctx, result, Math.max(1000, Math.round(total / 5)));
  const rate = batched.drain.publishedPerSecond;
  result.figures.push({
    metric: 'drain rate (applied and IdentityChanged published)',
    value: round(rate),
    unit: 'msg/s',
    baselines: {
      'raw pg one row per commit': round(pg.perSecond),
      'identity-sync with BATCH_SIZE=1': round(single.drain.publishedPerSecond),
    },
    target: '≥ 3× raw pg one row per commit',
    met: rate >= 3 * pg.perSecond,
  });
  const allCpu = ['identity-sync', 'postgres', 'rabbitmq'].reduce(
    (sum, k) => sum + (batched.drain.cpu[k] ?? NaN),
    0,
  );
  const allCpuUs = Math.round((allCpu / total) * 1e6);
  result.figures.push({
    metric: 'CPU per drained message, all processes',
    value: allCpuUs,
    unit: 'µs',
    baselines: {
      'identity-sync with BATCH_SIZE=1': Math.round(
        (['identity-sync', 'postgres', 'rabbitmq'].reduce((sum, k) => sum + (single.drain.cpu[k] ?? NaN), 0) /
          unbatched) *
          1e6,
      ),
    },
    target: '≤ 200 µs (identity-sync + postgres + RabbitMQ)',
    met: allCpuUs <= 200,
  });
  const cpuPerMessage = (d: DrainResult, n: number, k: string) => Math.round(((d.cpu[k] ?? NaN) / n) * 1e6);
  result.notes.push(
    `${round(rate / pg.perSecond)}× raw pg one row per commit; ${round(rate / single.drain.publishedPerSecond)}× the same worker with BATCH_SIZE=1.`,
    `Applied (inbox rows committed) at ${round(batched.drain.appliedPerSecond)} msg/s; the outbox finished ${round(batched.drain.publishedSeconds - batched.drain.appliedSeconds)} s after the last commit.`,
    `Preload: raw amqplib confirmed publish at ${round(batched.preload)} msg/s (1000 in flight).`,
    `CPU per message, batched: identity-sync ${cpuPerMessage(batched.drain, total, 'identity-sync')} µs, postgres ${cpuPerMessage(batched.drain, total, 'postgres')} µs, RabbitMQ ${cpuPerMessage(batched.drain, total, 'rabbitmq')} µs; ` +
      `BATCH_SIZE=1: identity-sync ${cpuPerMessage(single.drain, unbatched, 'identity-sync')} µs, postgres ${cpuPerMessage(single.drain, unbatched, 'postgres')} µs, RabbitMQ ${cpuPerMessage(single.drain, unbatched, 'rabbitmq')} µs.`,
  );
  result.charts.push(
    {
      id: 'drain-rate',
      title: `identity-sync draining ${total.toLocaleString('en-US')} KratosIdentityUpdated`,
      unit: 'msg/s',
      kind: 'bars',
      bars: [
        { label: 'raw pg, row per commit', value: round(pg.perSecond), baseline: true },
        { label: 'BATCH_SIZE=1', value: round(single.drain.publishedPerSecond), baseline: true },
        { label: 'identity-sync (batched)', value: round(rate) },
      ],
    },
    {
      id: 'drain-progress',
      title: 'Messages applied over time',
      unit: 'messages',
      kind: 'lines',
      xLabel: 'seconds since the worker was ready',
      series: { batched: batched.drain.series, 'BATCH_SIZE=1': single.drain.series },
    },
  );
  return result;
}

async function drainOnce(
  ctx: BenchContext,
  count: number,
  env: Record<string, string>,
  name: string,
): Promise<{ drain: DrainResult; preload: number }> {
  return withInfra(async (infra) => {
    const preload = await publishConfirmed(
      infra.amqpUrl,
      EXCHANGES.identityEvents,
      kratosUpdates(count, VERSIONS),
    );
    const drain = await drainWithIdentitySync(ctx, infra, { expected: count, replicas: 1, env, name });
    return { drain, preload: preload.perSecond };
  });
}

/** The drain rate for several BATCH_SIZE values (BATCH_WAIT_MS at its default), to choose the default. */
async function sweep(ctx: BenchContext, result: ScenarioResult, count: number): Promise<void> {
  const bars = [];
  for (const size of ctx.sweepBatchSizes) {
    const { drain } = await drainOnce(ctx, count, { BATCH_SIZE: String(size) }, `drain-sweep-${size}`);
    ctx.log(`  BATCH_SIZE=${size}: ${Math.round(drain.publishedPerSecond)} msg/s`);
    bars.push({ label: `BATCH_SIZE=${size}`, value: round(drain.publishedPerSecond) });
  }
  result.params.sweepMessages = count;
  result.notes.push(
    `BATCH_SIZE sweep (${count} messages each): ${bars.map((b) => `${b.label} ${b.value} msg/s`).join(', ')}.`,
  );
  result.charts.push({
    id: 'drain-batch-size',
    title: `Drain rate by BATCH_SIZE (${count} messages)`,
    unit: 'msg/s',
    kind: 'bars',
    bars,
  });
}
