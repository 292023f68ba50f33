import { connectBus, buildTopology } from '@identity-relay/bus';
import { createLogger, createMetrics, installShutdown, loadConfigOrExit } from '@identity-relay/runtime';
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
  topology: buildTopology({ retryDelaysMs: config.retryDelaysMs }),
});
const app = createIngress({
  config,
  logger,
  registry,
  publisher: bus,
  policy,
  isBrokerConnected: () => bus.isConnected(),
});
const server = app.listen(config.ingressPort, config.host, () => {
  logger.info({ port: config.ingressPort }, 'ingress listening');
  for (const [name, value] of Object.entries(config.generatedSecrets)) {
    // Printed once to the terminal in development so the operator can configure the IdP; never logged.
    process.stdout.write(`generated ${name}=${value}\n`);
  }
});
server.keepAliveTimeout = 65_000;

installShutdown({
  logger,
  graceMs: config.shutdownGraceMs,
  steps: [
    { name: 'http', run: () => drainHttpServer(server) },
    { name: 'bus', run: () => bus.close() },
  ],
});
