import { buildTopology, connectBus } from '@identity-relay/bus';
import { createPrismaClient, migrate } from '@identity-relay/db';
import {
  createLogger,
  createMetrics,
  installShutdown,
  loadConfigOrExit,
  startHealthServer,
} from '@identity-relay/runtime';
import { createMailTransport } from './mail/create.js';
import { createNotifierWorker } from './worker.js';

const config = loadConfigOrExit(process.env, { service: 'notifier' }, console.error);
const logger = createLogger({ service: 'notifier', level: config.logLevel });
const { registry } = createMetrics('notifier');

await migrate({ databaseUrl: config.databaseUrl, log: (m) => logger.info(m) });
const prisma = createPrismaClient({
  databaseUrl: config.databaseUrl,
  poolMax: config.dbPoolMax,
  applicationName: 'notifier',
});
const transport = createMailTransport(config);
const bus = await connectBus({
  url: config.amqpUrl,
  name: 'notifier',
  logger,
  registry,
  topology: buildTopology({ retryDelaysMs: config.retryDelaysMs }),
});
const worker = createNotifierWorker({ prisma, bus, logger, registry, transport, config });
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
logger.info(
  {
    healthPort: health.port,
    transport: transport.kind,
    ...(transport.kind === 'maildir' ? { mailDir: config.mailDir } : {}),
  },
  'notifier consuming',
);

installShutdown({
  logger,
  graceMs: config.shutdownGraceMs,
  steps: [
    { name: 'consumer', run: () => worker.stop(config.shutdownGraceMs) },
    { name: 'bus', run: () => bus.close() },
    { name: 'mail', run: () => transport.close() },
    { name: 'database', run: () => prisma.$disconnect() },
    { name: 'health', run: () => health.close() },
  ],
});
