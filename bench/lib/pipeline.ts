import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from './context.js';
import { BENCH_KRATOS_KEY, serviceEnv, type Infra } from './infra.js';
import { postLoad, type LoadResult } from './http-load.js';
import { freePort, ROOT, startService, type ServiceProcess } from './services.js';
import { syncBodyFor } from './workload.js';

export interface Pipeline {
  ingressUrl: string;
  processes: ServiceProcess[];
  stop(): Promise<void>;
}

const READY: Record<string, RegExp> = {
  ingress: /ingress listening/,
  'identity-sync': /identity-sync consuming/,
  subscribers: /subscribers consuming/,
  notifier: /notifier consuming/,
};

/** Every service with a main.ts, as `npm start` runs them (ingress first: the others need nothing from it). */
export function allServices(): string[] {
  const names = readdirSync(join(ROOT, 'services')).filter((s) =>
    existsSync(join(ROOT, 'services', s, 'src', 'main.ts')),
  );
  return [...names.filter((s) => s === 'ingress'), ...names.filter((s) => s !== 'ingress').sort()];
}

/** Starts the given services (each its own process) on one scenario's broker and database. */
export async function startPipeline(
  ctx: BenchContext,
  infra: Infra,
  services: string[],
  env: Record<string, string> = {},
  prefix = 'pipeline',
): Promise<Pipeline> {
  const port = await freePort();
  const processes: ServiceProcess[] = [];
  try {
    for (const service of services) {
      processes.push(
        await startService({
          name: `${prefix}-${service}`,
          script: `services/${service}/src/main.ts`,
          env: serviceEnv(infra, { INGRESS_PORT: String(port), ...env }),
          ready: READY[service] ?? new RegExp(`${service} (consuming|listening)`),
          logDir: ctx.runDir,
          timeoutMs: ctx.readyTimeoutMs,
          cpuProfDir: ctx.cpuProfDir,
        }),
      );
    }
  } catch (err) {
    await Promise.all(processes.map((p) => p.stop()));
    throw err;
  }
  return {
    ingressUrl: `http://127.0.0.1:${port}/kratos/sync-identity`,
    processes,
    stop: async () => {
      await Promise.all([...processes].reverse().map((p) => p.stop()));
    },
  };
}

/**
 * Webhook load on the ingress where every request is a new identity; `sent` records when each identity's
 * request was built (just before it is written), for end-to-end latencies.
 */
export function webhookLoad(
  url: string,
  seconds: number,
  sent: Map<string, number>,
  rate?: number,
): Promise<LoadResult> {
  let n = 0;
  return postLoad({
    url,
    connections: 50,
    durationSeconds: seconds,
    rate,
    headers: { 'x-api-key': BENCH_KRATOS_KEY },
    body: () => {
      const id = randomUUID();
      sent.set(id, Date.now());
      return syncBodyFor(id, n++);
    },
  });
}
