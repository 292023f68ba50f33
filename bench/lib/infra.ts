import { buildTopology, declareTopology } from '@identity-relay/bus';
import { createTestVhost } from '@identity-relay/bus/testing';
import { createPrismaClient, migrate, type PrismaClient } from '@identity-relay/db';
import { dropDatabase, uniqueTestDatabaseUrl } from '@identity-relay/db/testing';
import { connect } from 'amqplib';
import pg from 'pg';

/** Retry delays the benchmark topology declares; the services are started with the same list. */
export const BENCH_RETRY_DELAYS = '1000,10000,60000';

/**
 * A private RabbitMQ vhost (with the full topology declared) and a private, migrated database for one
 * scenario, so scenarios cannot disturb each other or the test suites running on the same machine.
 */
export interface Infra {
  amqpUrl: string;
  vhost: string;
  databaseUrl: string;
  /** A raw pg pool on the scenario's database (for baselines and progress polling). */
  pool: pg.Pool;
  prisma(): PrismaClient;
  dispose(): Promise<void>;
}

/** Other suites on this machine restart RabbitMQ now and then: wait for it (up to 2 minutes) rather than fail. */
async function vhostWhenBrokerUp(): Promise<Awaited<ReturnType<typeof createTestVhost>>> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      return await createTestVhost();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

export async function createInfra(): Promise<Infra> {
  const vhost = await vhostWhenBrokerUp();
  const databaseUrl = uniqueTestDatabaseUrl('ir_bench');
  await migrate({ databaseUrl });
  const model = await connect(vhost.url);
  const channel = await model.createChannel();
  await declareTopology(channel, buildTopology({ retryDelaysMs: BENCH_RETRY_DELAYS.split(',').map(Number) }));
  await model.close();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  let prisma: PrismaClient | undefined;
  return {
    amqpUrl: vhost.url,
    vhost: vhost.vhost,
    databaseUrl,
    pool,
    prisma: () => (prisma ??= createPrismaClient({ databaseUrl, poolMax: 4 })),
    async dispose() {
      await prisma?.$disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
      await dropDatabase(databaseUrl).catch(() => undefined);
      await vhost.dispose().catch(() => undefined);
    },
  };
}

/** Runs `body` with a fresh Infra and always disposes it. */
export async function withInfra<T>(body: (infra: Infra) => Promise<T>): Promise<T> {
  const infra = await createInfra();
  try {
    return await body(infra);
  } finally {
    await infra.dispose();
  }
}

/** Environment every service process gets: production mode, info logs, this scenario's broker and database. */
export function serviceEnv(infra: Infra, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    AMQP_URL: infra.amqpUrl,
    DATABASE_URL: infra.databaseUrl,
    RETRY_DELAYS_MS: BENCH_RETRY_DELAYS,
    HEALTH_PORT: '0',
    HOST: '127.0.0.1',
    KRATOS_API_KEY: BENCH_KRATOS_KEY,
    HOOKS_API_KEY: 'bench-hooks-key-4e7a0c3f9b2d',
    NOTIFY_API_KEY: BENCH_NOTIFY_KEY,
    AUTHENTIK_WEBHOOK_TOKEN: 'bench-authentik-token-8c1f5a2e',
    OPS_TOKEN: 'bench-ops-token-0123456789abcdef',
    UNSUBSCRIBE_SECRET: 'bench-unsubscribe-secret-0123456789abcdef',
    PUBLIC_BASE_URL: 'http://127.0.0.1:8080',
    OPS_PORT: '0',
    // The ingress' per-source limiter would otherwise be what the benchmark measures.
    RATE_LIMIT_PER_SECOND: '1000000',
    RATE_LIMIT_BURST: '10000000',
    ...extra,
  };
}

export const BENCH_KRATOS_KEY = 'bench-kratos-key-2b9e6d0a4c7f';
export const BENCH_NOTIFY_KEY = 'bench-notify-key-7d3a9f1c5e8b';
