import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../lib/context.js';
import { cpuDuring, pidsOf } from '../lib/cpu.js';
import { postLoad, type LoadResult } from '../lib/http-load.js';
import { BENCH_KRATOS_KEY, serviceEnv, withInfra } from '../lib/infra.js';
import { round } from '../lib/stats.js';
import { scenario, type ScenarioResult } from '../lib/results.js';
import { freePort, startService, type ServiceProcess } from '../lib/services.js';
import { FIXED_SYNC_BODY } from '../lib/workload.js';

const CONNECTIONS = 50;
const WARMUP_SECONDS = 2;
const PATH = '/kratos/sync-identity';

interface Server {
  label: string;
  script: string;
  ready: RegExp;
  env: (port: number) => Record<string, string>;
}

/**
 * POST /kratos/sync-identity with 50 connections: the real ingress (API-key auth, ajv validation, confirmed
 * publish to a quorum queue) against a bare Express 5 route and raw node:http parsing the same JSON.
 * Each server runs alone as its own process, warmed up first; the load generator is the same for all.
 */
export async function ingressScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const result = scenario('ingress', 'Ingress POST /kratos/sync-identity', {
    connections: CONNECTIONS,
    seconds: ctx.httpSeconds,
    warmupSeconds: WARMUP_SECONDS,
    bodyBytes: Buffer.byteLength(FIXED_SYNC_BODY),
  });
  return withInfra(async (infra) => {
    const servers: Server[] = [
      { label: 'raw node:http', script: 'bench/baselines/raw-http.ts', ready: /listening/, env: basePortEnv },
      {
        label: 'bare Express 5',
        script: 'bench/baselines/bare-express.ts',
        ready: /listening/,
        env: basePortEnv,
      },
      {
        label: 'ingress',
        script: 'services/ingress/src/main.ts',
        ready: /ingress listening/,
        env: (port) => serviceEnv(infra, { INGRESS_PORT: String(port) }),
      },
    ];
    const measured = new Map<string, Measured>();
    for (const server of servers) {
      measured.set(server.label, await measure(ctx, server));
      ctx.log(`  ${server.label}: ${Math.round(measured.get(server.label)!.rps)} req/s`);
    }
    const ingress = measured.get('ingress')!;
    const express = measured.get('bare Express 5')!;
    const raw = measured.get('raw node:http')!;
    const share = ingress.rps / express.rps;
    result.figures.push(
      {
        metric: 'throughput',
        value: round(ingress.rps),
        unit: 'req/s',
        baselines: { 'bare Express 5': round(express.rps), 'raw node:http': round(raw.rps) },
        target: '≥ 80% of bare Express',
        met: share >= 0.8,
      },
      {
        metric: 'latency p50',
        value: ingress.p50Ms,
        unit: 'ms',
        baselines: { 'bare Express 5': express.p50Ms, 'raw node:http': raw.p50Ms },
      },
      {
        metric: 'latency p99',
        value: ingress.p99Ms,
        unit: 'ms',
        baselines: { 'bare Express 5': express.p99Ms, 'raw node:http': raw.p99Ms },
      },
    );
    const perRequest = (m: Measured) =>
      `${m.label} ${cpuUs(m.cpu.server, m)} µs (+ broker ${cpuUs(m.cpu.broker, m)} µs, load generator ${cpuUs(m.cpu.loadgen, m)} µs)`;
    result.notes.push(
      `ingress = ${Math.round(share * 100)}% of bare Express, ${Math.round((ingress.rps / raw.rps) * 100)}% of raw node:http.`,
      `CPU per request: ${[ingress, express, raw].map(perRequest).join('; ')}.`,
      `errors/non-2xx: ingress ${ingress.errors}/${ingress.non2xx}, Express ${express.errors}/${express.non2xx}, node:http ${raw.errors}/${raw.non2xx}.`,
    );
    result.charts.push({
      id: 'ingress-throughput',
      title: `POST ${PATH}, ${CONNECTIONS} connections`,
      unit: 'req/s',
      kind: 'bars',
      bars: [
        { label: 'raw node:http', value: round(raw.rps), baseline: true },
        { label: 'bare Express 5', value: round(express.rps), baseline: true },
        { label: 'ingress', value: round(ingress.rps) },
      ],
    });
    return result;
  });
}

function basePortEnv(port: number): Record<string, string> {
  return { BENCH_PORT: String(port), NODE_ENV: 'production' };
}

interface Measured extends LoadResult {
  label: string;
  /** CPU seconds during the measured load: the server process, RabbitMQ, this process (autocannon). */
  cpu: Record<string, number>;
}

function cpuUs(seconds: number | undefined, m: Measured): number {
  return Math.round(((seconds ?? NaN) / Math.max(1, m.requests)) * 1e6);
}

async function measure(ctx: BenchContext, server: Server): Promise<Measured> {
  const port = await freePort();
  const proc: ServiceProcess = await startService({
    name: `ingress-scenario-${server.label.replace(/[^a-z0-9]+/gi, '-')}`,
    script: server.script,
    env: server.env(port),
    ready: server.ready,
    logDir: ctx.runDir,
    cpuProfDir: server.label === 'ingress' ? ctx.cpuProfDir : undefined,
  });
  try {
    const load = {
      url: `http://127.0.0.1:${port}${PATH}`,
      connections: CONNECTIONS,
      headers: { 'x-api-key': BENCH_KRATOS_KEY },
      body: FIXED_SYNC_BODY,
    };
    await postLoad({ ...load, durationSeconds: WARMUP_SECONDS });
    await sleep(500);
    const { value, cpu } = await cpuDuring(
      { server: () => [proc.pid], broker: () => pidsOf('beam.smp'), loadgen: () => [process.pid] },
      () => postLoad({ ...load, durationSeconds: ctx.httpSeconds }),
    );
    return { ...value, label: server.label, cpu };
  } finally {
    await proc.stop();
  }
}
