import { buildTopology, connectBus, type Bus } from '@identity-relay/bus';
import { createPrismaClient, migrate, type PrismaClient } from '@identity-relay/db';
import {
  createMetrics,
  exitOnStartFailure,
  httpLimitsOf,
  installShutdown,
  startHealthServer,
  type Logger,
  type WorkerProcessConfig,
} from '@identity-relay/runtime';
import type { Registry } from 'prom-client';

/** The settings a hosted worker process needs; every worker's config has them. */
export type WorkerHostConfig = Pick<
  WorkerProcessConfig,
  | 'databaseUrl'
  | 'databaseDirectUrl'
  | 'dbPoolMax'
  | 'amqpUrl'
  | 'quorumQueueReplicas'
  | 'retryDelaysMs'
  | 'healthPort'
  | 'host'
  | 'shutdownGraceMs'
  | 'httpHeadersTimeoutMs'
  | 'httpRequestTimeoutMs'
  | 'httpMaxConnections'
  | 'metricsToken'
>;

export interface HostedWorker {
  start(): Promise<void>;
  /** Stops consuming; in-flight messages finish or go back to the queue within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface WorkerHostOptions {
  service: string;
  config: WorkerHostConfig;
  logger: Logger;
  create(deps: { prisma: PrismaClient; bus: Bus; registry: Registry }): HostedWorker;
  /** Resources the worker owns besides the bus and database (e.g. an SMTP pool), closed after the bus. */
  close?: Array<{ name: string; run: () => Promise<void> }>;
  /** Extra fields for the "consuming" log line. */
  describe?: Record<string, unknown>;
}

/**
 * Runs one worker process: migrate, open the pg pool and the broker connection once, start consuming, serve
 * /healthz /readyz /metrics, and on SIGTERM/SIGINT stop consuming before closing resources in reverse order.
 */
export async function runWorker(opts: WorkerHostOptions): Promise<void> {
  const { service, config, logger } = opts;
  const { registry } = createMetrics(service);
  // The health port is bound first: a taken port stops the start at once, before anything is consumed.
  const live: { bus?: Bus; prisma?: PrismaClient } = {};
  const health = await startHealthServer({
    port: config.healthPort,
    host: config.host,
    limits: httpLimitsOf(config),
    metricsToken: config.metricsToken,
    registry,
    checks: {
      broker: () => live.bus?.isConnected() === true,
      database: async () =>
        live.prisma !== undefined &&
        (await live.prisma.$queryRaw<{ ok: number }[]>`SELECT 1 AS ok`).length === 1,
    },
  }).catch(exitOnStartFailure(logger));
  // Behind PgBouncer, creating the database and migrating go through the direct connection.
  await migrate({ databaseUrl: config.databaseDirectUrl ?? config.databaseUrl, log: (m) => logger.info(m) });
  const prisma = (live.prisma = createPrismaClient({
    databaseUrl: config.databaseUrl,
    poolMax: config.dbPoolMax,
    applicationName: service,
  }));
  const bus = (live.bus = await connectBus({
    url: config.amqpUrl,
    name: service,
    logger,
    registry,
    topology: buildTopology({
      retryDelaysMs: config.retryDelaysMs,
      quorumReplicas: config.quorumQueueReplicas,
    }),
  }));
  const worker = opts.create({ prisma, bus, registry });
  await worker.start();
  // Only claim to consume when connected; otherwise the consumer attaches on connect and /readyz says 503 until then.
  if (bus.isConnected()) logger.info({ healthPort: health.port, ...opts.describe }, `${service} consuming`);
  else
    logger.warn(
      { healthPort: health.port, ...opts.describe },
      `${service} started but the broker is not reachable yet; it consumes once connected (readiness false until then)`,
    );

  // The consumer gets most of the grace; the rest is kept for closing the bus, pools and health server.
  const consumerGraceMs = Math.floor(config.shutdownGraceMs * 0.8);
  installShutdown({
    logger,
    graceMs: config.shutdownGraceMs,
    steps: [
      { name: 'consumer', run: () => worker.stop(consumerGraceMs) },
      { name: 'bus', run: () => bus.close() },
      ...(opts.close ?? []),
      { name: 'database', run: () => prisma.$disconnect() },
      { name: 'health', run: () => health.close() },
    ],
  });
}
