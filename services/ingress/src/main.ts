import { connectBus, buildTopology } from '@identity-relay/bus';
import {
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
import { createIngress } from './app.js';
import { drainHttpServer } from './http/drain.js';
import { createPolicyStore } from './policy/store.js';

const config = loadConfigOrExit(process.env, { service: 'ingress' }, console.error);
const logger = createLogger({ service: 'ingress', level: config.logLevel });
const { registry } = createMetrics('ingress');

// A broken policy file stops the start: better than silently allowing every signup.
const policy = await createPolicyStore({ file: config.policyFile, logger }).catch((err: unknown) => {
  logger.fatal({ err }, 'cannot load POLICY_FILE');
  process.exit(1);
});
// SIGHUP reloads the policy; an invalid new file is logged and the last good policy stays in force.
process.on('SIGHUP', () => void policy.reload());

const bus = await connectBus({
  url: config.amqpUrl,
  name: 'ingress',
  logger,
  registry,
  topology: buildTopology({
    retryDelaysMs: config.retryDelaysMs,
    quorumReplicas: config.quorumQueueReplicas,
  }),
});
const app = createIngress({
  config,
  logger,
  registry,
  publisher: bus,
  policy,
  isBrokerConnected: () => bus.isConnected(),
});
const server = createHttpServer(app, httpLimitsOf(config));
const { port } = await listenHttp(server, {
  port: config.ingressPort,
  host: config.host,
  variable: 'INGRESS_PORT',
}).catch(exitOnStartFailure(logger));
logger.info({ port }, 'ingress listening');
announceGeneratedSecrets(config, logger);

installShutdown({
  logger,
  graceMs: config.shutdownGraceMs,
  steps: [
    { name: 'http', run: () => drainHttpServer(server) },
    { name: 'bus', run: () => bus.close() },
  ],
});
