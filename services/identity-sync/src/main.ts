import { buildTopology, connectBus } from '@identity-relay/bus';
import { createPrismaClient, migrate } from '@identity-relay/db';
import {
  createLogger,
  createMetrics,
  installShutdown,
  loadConfigOrExit,
  startHealthServer,
} from '@identity-relay/runtime';
import { createIdentitySyncWorker } from './worker.js';

const config = loadConfigOrExit(process.env, { service: 'identity-sync' }, console.error);
const logger = createLogger({ service: 'identity-sync', level: config.logLevel });
const { registry } = createMetrics('identity-sync');

await migrate({ databaseUrl: config.databaseUrl, log: (m) => logger.info(m) });
const prisma = createPrismaClient({
  databaseUrl: config.databaseUrl,
  poolMax: config.dbPoolMax,
  applicationName: 'identity-sync',
});
const bus = await connectBus({
  url: config.amqpUrl,
  name: 'identity-sync',
  logger,
  registry,
  topology: buildTopology({ retryDelaysMs: config.retryDelaysMs }),
});
const worker = createIdentitySyncWorker({ prisma, bus, logger, registry, config });
await worker.start();
const health = await startHealthServer({
  port: config.healthPort,
  host: config.host,
  registry,
  checks: {
    broker: () => bus.isConnected(),
    database: async () => (await prisma.$queryRaw<{ ok: number }[]>`SELECT 1 AS ok`).length === 1,
  },
});
logger.info({ healthPort: health.port }, 'identity-sync consuming');

installShutdown({
  logger,
  graceMs: config.shutdownGraceMs,
  steps: [
    { name: 'consumer', run: () => worker.stop(config.shutdownGraceMs) },
    { name: 'bus', run: () => bus.close() },
    { name: 'database', run: () => prisma.$disconnect() },
    { name: 'health', run: () => health.close() },
  ],
});
