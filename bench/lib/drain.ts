import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from './context.js';
import { cpuDuring, machineTicks, pidsOf } from './cpu.js';
import { serviceEnv, type Infra } from './infra.js';
import { startServices, type ServiceProcess } from './services.js';

export interface DrainOptions {
  /** Messages already in the identity-sync queue. */
  expected: number;
  replicas: number;
  /** Extra environment for the identity-sync processes (BATCH_SIZE, PREFETCH, AUTHENTIK_URL…). */
  env?: Record<string, string>;
  /** Name prefix of the processes' logs. */
  name: string;
  /** (default=600) Give up after this many seconds. */
  timeoutSeconds?: number;
}

export interface DrainResult {
  /** Seconds from the replicas being ready to the last message committed (inbox row). */
  appliedSeconds: number;
  /** … to the last IdentityChanged confirmed by the broker (outbox empty). */
  publishedSeconds: number;
  appliedPerSecond: number;
  publishedPerSecond: number;
  /** [seconds since ready, messages applied] every poll. */
  series: Array<[number, number]>;
  /**
   * CPU seconds during the drain: identity-sync processes, postgres, RabbitMQ, and `bench` (this process: the
   * progress polls, and whatever the scenario runs in it, e.g. the Authentik stand-in).
   */
  cpu: Record<string, number>;
  /** Share of all the machine's CPU time that was busy during the drain, whoever's work it was (0..1). */
  machineBusy: number;
}

/**
 * Starts `replicas` identity-sync processes on a preloaded queue and waits until every message is applied
 * (one inbox row each) and every resulting IdentityChanged has left through the outbox.
 */
export async function drainWithIdentitySync(
  ctx: BenchContext,
  infra: Infra,
  opts: DrainOptions,
): Promise<DrainResult> {
  const procs: ServiceProcess[] = [];
  try {
    const started = await startServices(
      Array.from({ length: opts.replicas }, (_, i) => ({
        name: `${opts.name}-${i + 1}`,
        script: 'services/identity-sync/src/main.ts',
        env: serviceEnv(infra, opts.env),
        ready: /identity-sync consuming/,
        logDir: ctx.runDir,
        cpuProfDir: ctx.cpuProfDir,
        timeoutMs: ctx.readyTimeoutMs,
      })),
    );
    procs.push(...started);
    const ready = performance.now();
    const machineBefore = machineTicks();
    const { value, cpu } = await cpuDuring(
      {
        'identity-sync': () => procs.map((p) => p.pid),
        postgres: () => pidsOf('postgres'),
        rabbitmq: () => pidsOf('beam.smp'),
        bench: () => [process.pid],
      },
      () => poll(infra, opts, ready),
    );
    const machineAfter = machineTicks();
    const { applied, published, series } = value;
    return {
      appliedSeconds: applied,
      publishedSeconds: published,
      appliedPerSecond: opts.expected / applied,
      publishedPerSecond: opts.expected / published,
      series,
      cpu,
      machineBusy: (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total),
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

async function poll(infra: Infra, opts: DrainOptions, ready: number) {
  const deadline = ready + (opts.timeoutSeconds ?? 600) * 1000;
  const series: Array<[number, number]> = [];
  let applied: number | undefined;
  for (;;) {
    const now = performance.now();
    if (now > deadline)
      throw new Error(`${opts.name}: drain not finished after ${opts.timeoutSeconds ?? 600} s`);
    const t = (now - ready) / 1000;
    const done = await count(infra, 'SELECT count(*)::int AS n FROM processed_messages');
    series.push([Number(t.toFixed(2)), done]);
    if (applied === undefined && done >= opts.expected) applied = t;
    if (applied !== undefined) {
      const pending = await count(infra, 'SELECT count(*)::int AS n FROM identity_outbox');
      if (pending === 0) return { applied, published: t, series };
    }
    await sleep(200);
  }
}

async function count(infra: Infra, sql: string): Promise<number> {
  const { rows } = await infra.pool.query<{ n: number }>(sql);
  return rows[0]!.n;
}
