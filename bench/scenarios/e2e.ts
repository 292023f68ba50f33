import { setTimeout as sleep } from 'node:timers/promises';
import { watchChanges } from '../lib/changes.js';
import type { BenchContext } from '../lib/context.js';
import { withInfra } from '../lib/infra.js';
import { startPipeline, webhookLoad } from '../lib/pipeline.js';
import { scenario, type ScenarioResult } from '../lib/results.js';
import { percentile, round } from '../lib/stats.js';

const MAX_PROBE_SECONDS = 8;

/**
 * Webhook → identities row committed → IdentityChanged published, with ingress and identity-sync as
 * processes. First the pipeline's max rate (50 connections, closed loop: the lower of what the ingress
 * accepted and what came out as IdentityChanged), then a paced load at half of it, timing every identity
 * from its request to its IdentityChanged arriving on a queue bound to identity.changes.
 */
export async function e2eScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const result = scenario('e2e', 'End to end: webhook → row → IdentityChanged', {
    probeSeconds: MAX_PROBE_SECONDS,
    pacedSeconds: ctx.e2eSeconds,
    connections: 50,
  });
  return withInfra(async (infra) => {
    const pipeline = await startPipeline(ctx, infra, ['identity-sync', 'ingress'], {}, 'e2e');
    const sent = new Map<string, number>();
    const latencies: number[] = [];
    let pacing = false;
    const watcher = await watchChanges(infra.amqpUrl, (id, at) => {
      const start = sent.get(id);
      if (pacing && start !== undefined) latencies.push(at - start);
    });
    try {
      const before = watcher.count();
      const probe = await webhookLoad(pipeline.ingressUrl, MAX_PROBE_SECONDS, sent);
      const outRate = (watcher.count() - before) / MAX_PROBE_SECONDS;
      const maxRate = Math.min(probe.rps, outRate);
      await waitUntil(() => watcher.count() >= probe.requests, 60_000);
      ctx.log(`  max: ingress ${Math.round(probe.rps)} req/s, IdentityChanged out ${Math.round(outRate)}/s`);

      const rate = Math.max(10, Math.floor(maxRate / 2));
      sent.clear();
      pacing = true;
      const paced = await webhookLoad(pipeline.ingressUrl, ctx.e2eSeconds, sent, rate);
      await waitUntil(() => latencies.length >= paced.requests, 30_000);
      pacing = false;
      const written = await writeLatencies(infra.pool, sent);
      const p50 = percentile(latencies, 50);
      const p99 = percentile(latencies, 99);
      result.params.rate = rate;
      result.figures.push(
        {
          metric: 'webhook → IdentityChanged, p50',
          value: p50,
          unit: 'ms',
          baselines: { 'ingress HTTP p50 (same requests)': paced.p50Ms },
        },
        {
          metric: 'webhook → IdentityChanged, p99',
          value: p99,
          unit: 'ms',
          baselines: { 'ingress HTTP p99 (same requests)': paced.p99Ms },
          target: '≤ 50 ms',
          met: p99 <= 50,
        },
      );
      result.notes.push(
        `Max rate: the ingress accepted ${round(probe.rps)} req/s with 50 connections while identity-sync turned out ${round(outRate)} IdentityChanged/s; paced at ${rate} req/s (half of ${round(maxRate)}).`,
        `Paced: ${paced.requests} webhooks answered, ${latencies.length} IdentityChanged timed; errors/non-2xx ${paced.errors}/${paced.non2xx}.`,
        `Webhook → identity_events row written (created_at, before commit): p50 ${round(percentile(written, 50))} ms, p99 ${round(percentile(written, 99))} ms.`,
        `Webhook → IdentityChanged: p50 ${p50} ms, p90 ${percentile(latencies, 90)} ms, p99 ${p99} ms, max ${percentile(latencies, 100)} ms.`,
      );
      result.charts.push({
        id: 'e2e-latency',
        title: `Webhook → IdentityChanged at ${rate} req/s`,
        unit: 'ms',
        kind: 'bars',
        bars: [
          { label: 'HTTP p50', value: paced.p50Ms, baseline: true },
          { label: 'HTTP p99', value: paced.p99Ms, baseline: true },
          { label: 'end to end p50', value: p50 },
          { label: 'end to end p90', value: percentile(latencies, 90) },
          { label: 'end to end p99', value: p99 },
        ],
      });
      return result;
    } finally {
      await watcher.close();
      await pipeline.stop();
    }
  });
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await sleep(50);
}

/** Milliseconds from each webhook to its identity_events row (database clock, same machine). */
async function writeLatencies(pool: import('pg').Pool, sent: Map<string, number>): Promise<number[]> {
  const { rows } = await pool.query<{ external_id: string; at: string }>(
    `SELECT i.external_id, (extract(epoch FROM e.created_at) * 1000)::bigint::text AS at
     FROM identity_events e JOIN identities i ON i.id = e.identity_id WHERE e.version = 1`,
  );
  return rows.flatMap((r) => {
    const start = sent.get(r.external_id);
    return start === undefined ? [] : [Number(r.at) - start];
  });
}
