import { buildTopology, connectBrokerAdmin, connectBus } from '@identity-relay/bus';
import { createPrismaClient, migrate } from '@identity-relay/db';
import {
  AuthFailureLimiter,
  announceGeneratedSecrets,
  createHttpServer,
  createLogger,
  createMetrics,
  exitOnStartFailure,
  httpLimitsOf,
  installShutdown,
  listenHttp,
  loadConfigOrExit,
} from '@identity-relay/runtime';
import { createReconciler } from '@identity-relay/reconcile';
import { createDeadLetterArchive } from './archive/archive.js';
import { createAuthenticator, credentialFingerprint } from './auth/authenticator.js';
import { SessionStore } from './auth/sessions.js';
import { createOpsApp } from './http/app.js';
import { registerStateGauges } from './metrics/state-gauges.js';
import { startRetention } from './retention.js';
import { authOptionsFrom, createOps, oidcSignInFrom } from './wiring.js';

const config = loadConfigOrExit(process.env, { service: 'ops' }, console.error);
const logger = createLogger({ service: 'ops', level: config.logLevel });
const { registry } = createMetrics('ops');

await migrate({ databaseUrl: config.databaseDirectUrl ?? config.databaseUrl, log: (m) => logger.info(m) });
const prisma = createPrismaClient({
  databaseUrl: config.databaseUrl,
  poolMax: config.dbPoolMax,
  applicationName: 'ops',
});
const topology = buildTopology({
  retryDelaysMs: config.retryDelaysMs,
  quorumReplicas: config.quorumQueueReplicas,
});
const bus = await connectBus({
  url: config.amqpUrl,
  name: 'ops',
  logger,
  registry,
  topology,
  publishTimeoutMs: config.publishTimeoutMs,
});
const admin = await connectBrokerAdmin({ url: config.amqpUrl, name: 'ops-archive', logger });
const { actions, ops, identities, audit, recipients, erasure } = createOps({
  prisma,
  bus,
  admin,
  retryDelaysMs: config.retryDelaysMs,
  mailDir: config.smtpUrl ? undefined : config.mailDir,
});
registerStateGauges(prisma, registry);
const archive = createDeadLetterArchive({ admin, prisma, logger, registry, prefetch: config.prefetch });
await archive.start();
// Sessions signed in with OPS_TOKEN end when it is rotated: only the token in force keeps them alive.
const sessions = new SessionStore(prisma, {
  credentials: config.opsToken ? [credentialFingerprint(config.opsToken)] : [],
});
const retention = startRetention({
  actions,
  sessions,
  logger,
  retentionDays: config.deadLetterRetentionDays,
});

// Runs started from the API execute here, one at a time per provider across every process (the runs' lease).
const reconciler = createReconciler({ prisma, publisher: bus, config, registry });

const app = createOpsApp({
  ops,
  identities,
  audit,
  recipients,
  reconciler,
  erasure,
  authenticate: createAuthenticator({
    ...authOptionsFrom(config),
    onRejected: (reason) => logger.debug({ reason }, 'ops credential refused'),
  }),
  oidcSignIn: oidcSignInFrom(config),
  sessions,
  trustProxy: config.trustProxy,
  authFailures: new AuthFailureLimiter({ perMinute: config.authFailuresPerMinute }),
  logger,
  registry,
  metricsToken: config.metricsToken,
  mailDir: config.smtpUrl ? undefined : config.mailDir,
  checks: {
    broker: () => bus.isConnected() && admin.isConnected(),
    database: async () => (await prisma.$queryRaw<{ ok: number }[]>`SELECT 1 AS ok`).length === 1,
  },
});
const server = createHttpServer(app, httpLimitsOf(config));
const { port } = await listenHttp(server, {
  port: config.opsPort,
  host: config.host,
  variable: 'OPS_PORT',
}).catch(exitOnStartFailure(logger));
logger.info({ port }, 'ops listening');
process.stdout.write(`ops console: http://localhost:${port}/  (API: /api, OpenAPI: /api/openapi.json)\n`);
announceGeneratedSecrets(config, logger);

installShutdown({
  logger,
  graceMs: config.shutdownGraceMs,
  steps: [
    { name: 'http', run: () => new Promise<void>((resolve) => server.close(() => resolve())) },
    { name: 'retention', run: async () => retention.stop() },
    { name: 'archive', run: () => archive.stop(config.shutdownGraceMs) },
    { name: 'broker admin', run: () => admin.close() },
    { name: 'bus', run: () => bus.close() },
    { name: 'database', run: () => prisma.$disconnect() },
  ],
});
