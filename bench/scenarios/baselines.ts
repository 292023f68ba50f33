import type { BenchContext } from '../lib/context.js';
import { consumeAndAck, declareBaselineQueue, publishConfirmed } from '../lib/amqp.js';
import { withInfra } from '../lib/infra.js';
import { pgBatchedUpsert, pgOneRowPerCommit } from '../lib/pg-baseline.js';
import { scenario, type ScenarioResult } from '../lib/results.js';
import { round } from '../lib/stats.js';
import { kratosUpdates } from '../lib/workload.js';

const QUEUE = 'bench.baseline';

/**
 * The raw drivers on this machine right now: pg upserts one per commit and 100 per statement, amqplib
 * confirmed publish (1000 in flight) into a quorum queue and consume + ack. The other scenarios measure the
 * baseline they are compared with again, right beside their own figure; these give the wider picture.
 */
export async function baselinesScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const seconds = Math.max(2, Math.min(5, ctx.httpSeconds));
  const messages = Math.min(ctx.drainMessages, 50_000);
  const result = scenario('baselines', 'Raw drivers', { pgSeconds: seconds, amqpMessages: messages });
  return withInfra(async (infra) => {
    const single = await pgOneRowPerCommit(infra.pool, seconds);
    const batched = await pgBatchedUpsert(infra.pool, seconds);
    await declareBaselineQueue(infra.amqpUrl, QUEUE);
    const bodies = kratosUpdates(messages, 1).map((m) => ({ ...m, routingKey: QUEUE }));
    const published = await publishConfirmed(infra.amqpUrl, '', bodies);
    const consumed = await consumeAndAck(infra.amqpUrl, QUEUE, messages);
    const figure = (metric: string, value: number, unit: string) => ({ metric, value: round(value), unit });
    result.figures.push(
      figure('raw pg upsert, one row per commit', single.perSecond, 'rows/s'),
      figure('raw pg upsert, 100 rows per statement', batched.perSecond, 'rows/s'),
      figure('raw amqplib confirmed publish (1000 in flight, quorum queue)', published.perSecond, 'msg/s'),
      figure('raw amqplib consume + ack (prefetch 1000)', consumed.perSecond, 'msg/s'),
    );
    result.notes.push(
      `Messages are the ${Math.round(bodies[0]!.body.length / 100) / 10} KB KratosIdentityUpdated CloudEvents the other scenarios use.`,
    );
    result.charts.push({
      id: 'baselines',
      title: 'Raw drivers on this machine, this run',
      unit: '/s',
      kind: 'bars',
      bars: result.figures.map((f) => ({
        label: f.metric.replace(/ \(.*\)$/, ''),
        value: f.value,
        baseline: true,
      })),
    });
    ctx.log(`  pg single ${Math.round(single.perSecond)}/s, batched ${Math.round(batched.perSecond)}/s`);
    return result;
  });
}
