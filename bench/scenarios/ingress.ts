import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../lib/context.js';
import { cpuDuring, pidsOf } from '../lib/cpu.js';
import { postLoad, type LoadResult } from '../lib/http-load.js';
import { BENCH_KRATOS_KEY, serviceEnv, withInfra, type Infra } from '../lib/infra.js';
import { round } from '../lib/stats.js';
import { scenario, type ScenarioResult } from '../lib/results.js';
import { freePort, startService, type ServiceProcess } from '../lib/services.js';
import { FIXED_SYNC_BODY } from '../lib/workload.js';

const CONNECTIONS = 50;
const WARMUP_SECONDS = 2;
const PATH = '/kratos/sync-identity';

export interface Server {
  label: string;
  script: string;
  ready: RegExp;
  env: (port: number) => Record<string, string>;
}

/** Express + publish and the ingress are measured alternately this many times; their means are compared. */
const ROUNDS = 2;

/**
 * POST /kratos/sync-identity with 50 connections: the real ingress (compiled; API-key auth, ajv validation,
 * confirmed publish to a quorum queue) against its physical floor — bare Express 5 making the same persistent,
 * mandatory, confirmed publish — and against bare Express 5 and raw node:http parsing the same JSON.
 * Each server runs alone as its own process, warmed up first; the load generator is the same for all.
 */
export async function ingressScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const result = scenario('ingress', 'Ingress POST /kratos/sync-identity', {
    connections: CONNECTIONS,
    seconds: ctx.httpSeconds,
    warmupSeconds: WARMUP_SECONDS,
    rounds: ROUNDS,
    bodyBytes: Buffer.byteLength(FIXED_SYNC_BODY),
  });
  return withInfra(async (infra) => {
    const raw = await measure(ctx, RAW_HTTP);
    ctx.log(`  raw node:http: ${Math.round(raw.rps)} req/s`);
    const express = await measure(ctx, BARE_EXPRESS);
    ctx.log(`  bare Express 5: ${Math.round(express.rps)} req/s`);
    const floors: Measured[] = [];
    const ingresses: Measured[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      floors.push(await measure(ctx, expressPublish(infra)));
      ingresses.push(await measure(ctx, ingressServer(infra)));
      ctx.log(
        `  round ${round + 1}: Express + publish ${Math.round(floors.at(-1)!.rps)} req/s, ingress ${Math.round(ingresses.at(-1)!.rps)} req/s`,
      );
    }
    const floor = meanOf(floors);
    const ingress = meanOf(ingresses);
    const share = ingress.rps / floor.rps;
    const own = cpuUs(ingress.cpu.server, ingress);
    const expressOwn = cpuUs(express.cpu.server, express);
    result.figures.push(
      {
        metric: 'throughput',
        value: round(ingress.rps),
        unit: 'req/s',
        baselines: {
          'Express 5 + confirmed publish': round(floor.rps),
          'bare Express 5': round(express.rps),
          'raw node:http': round(raw.rps),
        },
        target: '≥ 95% of Express + confirmed publish',
        met: share >= 0.95,
      },
      {
        metric: 'own CPU per request',
        value: own,
        unit: 'µs',
        baselines: {
          'bare Express 5': expressOwn,
          'Express 5 + confirmed publish': cpuUs(floor.cpu.server, floor),
        },
        target: '≤ 1.3× bare Express',
        met: own <= 1.3 * expressOwn,
      },
      {
        metric: 'latency p50',
        value: ingress.p50Ms,
        unit: 'ms',
        baselines: { 'Express 5 + confirmed publish': floor.p50Ms, 'bare Express 5': express.p50Ms },
      },
      {
        metric: 'latency p99',
        value: ingress.p99Ms,
        unit: 'ms',
        baselines: { 'Express 5 + confirmed publish': floor.p99Ms, 'bare Express 5': express.p99Ms },
      },
    );
    const perRequest = (m: Measured) =>
      `${m.label} ${cpuUs(m.cpu.server, m)} µs (+ broker ${cpuUs(m.cpu.broker, m)} µs, load generator ${cpuUs(m.cpu.loadgen, m)} µs)`;
    result.notes.push(
      `ingress = ${pct(share)} of Express + confirmed publish, ${pct(ingress.rps / express.rps)} of bare Express, ${pct(ingress.rps / raw.rps)} of raw node:http; own CPU per request ${round(own / expressOwn)}× bare Express.`,
      `Rounds (Express + publish, then ingress, alternately): ${floors.map((f, i) => `${Math.round(f.rps)} / ${Math.round(ingresses[i]!.rps)} req/s`).join('; ')}.`,
      `CPU per request: ${[ingress, floor, express, raw].map(perRequest).join('; ')}.`,
      `errors/non-2xx: ${[ingress, floor, express, raw].map((m) => `${m.label} ${m.errors}/${m.non2xx}`).join(', ')}.`,
    );
    result.charts.push({
      id: 'ingress-throughput',
      title: `POST ${PATH}, ${CONNECTIONS} connections`,
      unit: 'req/s',
      kind: 'bars',
      bars: [
        { label: 'raw node:http', value: round(raw.rps), baseline: true },
        { label: 'bare Express 5', value: round(express.rps), baseline: true },
        { label: 'Express + publish', value: round(floor.rps), baseline: true },
        { label: 'ingress', value: round(ingress.rps) },
      ],
    });
    return result;
  });
}

const RAW_HTTP: Server = {
  label: 'raw node:http',
  script: 'bench/baselines/raw-http.ts',
  ready: /listening/,
  env: basePortEnv,
};
const BARE_EXPRESS: Server = {
  label: 'bare Express 5',
  script: 'bench/baselines/bare-express.ts',
  ready: /listening/,
  env: basePortEnv,
};

/** Bare Express 5 + the ingress' confirmed publish: the physical floor of the ingress (see the script). */
export function expressPublish(infra: Infra): Server {
  return {
    label: 'Express 5 + confirmed publish',
    script: 'bench/baselines/express-publish.ts',
    ready: /listening/,
    env: (port) => ({ ...basePortEnv(port), AMQP_URL: infra.amqpUrl }),
  };
}

function ingressServer(infra: Infra): Server {
  return {
    label: 'ingress',
    script: 'services/ingress/src/main.ts',
    ready: /ingress listening/,
    env: (port) => serviceEnv(infra, { INGRESS_PORT: String(port) }),
  };
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

/** The mean of several measurements of one server (rates, CPU and latencies averaged). */
function meanOf(ms: Measured[]): Measured {
  const avg = (f: (m: Measured) => number) => ms.reduce((sum, m) => sum + f(m), 0) / ms.length;
  const sum = (f: (m: Measured) => number) => ms.reduce((total, m) => total + f(m), 0);
  return {
    label: ms[0]!.label,
    requests: sum((m) => m.requests),
    rps: avg((m) => m.rps),
    p50Ms: round(avg((m) => m.p50Ms)),
    p99Ms: round(avg((m) => m.p99Ms)),
    errors: sum((m) => m.errors),
    non2xx: sum((m) => m.non2xx),
    cpu: Object.fromEntries(Object.keys(ms[0]!.cpu).map((k) => [k, sum((m) => m.cpu[k] ?? NaN)])),
  };
}

function basePortEnv(port: number): Record<string, string> {
  return { BENCH_PORT: String(port), NODE_ENV: 'production' };
}

export interface Measured extends LoadResult {
  label: string;
  /** CPU seconds during the measured load: the server process, RabbitMQ, this process (autocannon). */
  cpu: Record<string, number>;
}

export function cpuUs(seconds: number | undefined, m: Measured): number {
  return Math.round(((seconds ?? NaN) / Math.max(1, m.requests)) * 1e6);
}

export async function measure(ctx: BenchContext, server: Server): Promise<Measured> {
  const port = await freePort();
  const proc: ServiceProcess = await startService({
    name: `ingress-scenario-${server.label.replace(/[^a-z0-9]+/gi, '-')}`,
    script: server.script,
    env: server.env(port),
    ready: server.ready,
    logDir: ctx.runDir,
    timeoutMs: ctx.readyTimeoutMs,
    cpuProfDir: ctx.cpuProfDir,
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
