import { buildTopology, connectBus } from '@identity-relay/bus';
import { createPrismaClient, migrate } from '@identity-relay/db';
import {
  createLogger,
  createMetrics,
  installShutdown,
  loadConfigOrExit,
  startHealthServer,
} from '@identity-relay/runtime';
import { loadRules, RulesError } from './rules/load.js';
import { createSubscribersWorker } from './worker.js';

const config = loadConfigOrExit(process.env, { service: 'subscribers' }, console.error);
const logger = createLogger({ service: 'subscribers', level: config.logLevel });

// Rules are checked before anything connects: a bad file stops the worker with every problem listed.
const rules = await loadRules(config.subscriberRulesFile, { typeTrait: config.subscriberTypeTrait }).catch(
  (err: unknown) => {
    if (!(err instanceof RulesError)) throw err;
    console.error(`subscribers: ${err.message}`);
    process.exit(1);
  },
);
logger.info(
  { lists: rules.map((r) => r.list), file: config.subscriberRulesFile ?? '(built-in)' },
  'subscriber rules loaded',
);

const { registry } = createMetrics('subscribers');
await migrate({ databaseUrl: config.databaseUrl, log: (m) => logger.info(m) });
const prisma = createPrismaClient({
  databaseUrl: config.databaseUrl,
  poolMax: config.dbPoolMax,
  applicationName: 'subscribers',
});
const bus = await connectBus({
  url: config.amqpUrl,
  name: 'subscribers',
  logger,
  registry,
  topology: buildTopology({ retryDelaysMs: config.retryDelaysMs }),
});
const worker = createSubscribersWorker({ prisma, bus, logger, registry, rules, config });
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
logger.info({ healthPort: health.port }, 'subscribers consuming');

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
