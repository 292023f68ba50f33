import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { EXCHANGES } from '@identity-relay/bus';
import { publishConfirmed } from '../lib/amqp.js';
import { authentikUser, startAuthentikStandIn } from '@identity-relay/test-support';
import type { BenchContext } from '../lib/context.js';
import { drainWithIdentitySync } from '../lib/drain.js';
import { withInfra } from '../lib/infra.js';
import { scenario, type ScenarioResult } from '../lib/results.js';
import { round } from '../lib/stats.js';
import { authentikUpdates } from '../lib/workload.js';

const REPLICAS = [1, 2, 4];
const API_DELAY_MS = 20;
/**
 * Deliveries each replica works on at once. The work is I/O-bound (every message waits 20 ms on the API),
 * so a replica's rate is about PREFETCH / 20 ms; replicas add up as long as the CPU is not the limit.
 */
const PREFETCH = 8;

/**
 * identity-sync with 1, 2 and 4 replicas (processes) competing on the queue, each message an
 * AuthentikUserChanged that needs `GET /api/v3/core/users/{pk}/` from a local stand-in answering in 20 ms.
 */
export async function scaleScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const result = scenario('scale', 'Horizontal scale: identity-sync replicas, I/O-bound', {
    messages: ctx.scaleMessages,
    apiDelayMs: API_DELAY_MS,
    prefetchPerReplica: PREFETCH,
  });
  const api = await startAuthentikStandIn({
    // The services run with NODE_ENV=production, which refuses weak API tokens.
    token: randomBytes(24).toString('base64url'),
    fallback: (pk) => ({
      kind: 'slow',
      delayMs: API_DELAY_MS,
      then: { kind: 'user', user: authentikUser(pk) },
    }),
  });
  const rates = new Map<number, number>();
  /** Share of the machine's cores the replicas, postgres, RabbitMQ and the stand-in used during each drain. */
  const saturation = new Map<number, string>();
  try {
    for (const replicas of REPLICAS) {
      const rate = await withInfra(async (infra) => {
        await publishConfirmed(infra.amqpUrl, EXCHANGES.identityEvents, authentikUpdates(ctx.scaleMessages));
        const drain = await drainWithIdentitySync(ctx, infra, {
          expected: ctx.scaleMessages,
          replicas,
          name: `scale-${replicas}`,
          env: {
            AUTHENTIK_URL: api.url,
            AUTHENTIK_TOKEN: api.token,
            PREFETCH: String(PREFETCH),
            BATCH_SIZE: String(PREFETCH / 2),
            DB_POOL_MAX: String(PREFETCH + 2),
          },
        });
        const cores = cpus().length * drain.publishedSeconds;
        const share = (k: string) => Math.round(((drain.cpu[k] ?? NaN) / cores) * 100);
        saturation.set(
          replicas,
          `identity-sync ${share('identity-sync')}%, postgres ${share('postgres')}%, RabbitMQ ${share('rabbitmq')}%, ` +
            `the benchmark process (Authentik stand-in) ${share('bench')}% ` +
            `(the machine ${Math.round(drain.machineBusy * 100)}% busy, other work included)`,
        );
        return drain.publishedPerSecond;
      });
      rates.set(replicas, rate);
      ctx.log(`  ${replicas} replica(s): ${Math.round(rate)} msg/s`);
    }
  } finally {
    await api.close();
  }
  const one = rates.get(1)!;
  const targets: Record<number, number> = { 2: 1.9, 4: 3.2 };
  for (const replicas of REPLICAS) {
    const rate = rates.get(replicas)!;
    const target = targets[replicas];
    result.figures.push({
      metric: `${replicas} replica${replicas > 1 ? 's' : ''}`,
      value: round(rate),
      unit: 'msg/s',
      baselines: replicas > 1 ? { '1 replica': round(one) } : undefined,
      target: target ? `≥ ${target}× 1 replica` : undefined,
      met: target ? rate >= target * one : undefined,
    });
  }
  result.notes.push(
    `CPU used, as a share of all ${cpus().length} cores over each drain: ${REPLICAS.map((r) => `${r} replica${r > 1 ? 's' : ''}: ${saturation.get(r)}`).join('; ')}.`,
    `Speed-up: ${REPLICAS.map((r) => `${r} → ${round(rates.get(r)! / one)}×`).join(', ')}. Ideal per replica: ${PREFETCH} in flight / ${API_DELAY_MS} ms = ${Math.round((PREFETCH / API_DELAY_MS) * 1000)} msg/s.`,
  );
  result.charts.push({
    id: 'scale',
    title: `identity-sync replicas, Authentik API at ${API_DELAY_MS} ms`,
    unit: 'msg/s',
    kind: 'bars',
    bars: REPLICAS.map((r) => ({
      label: `${r} replica${r > 1 ? 's' : ''}`,
      value: round(rates.get(r)!),
      baseline: r === 1,
    })),
  });
  return result;
}
