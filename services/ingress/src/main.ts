import { connectBus, buildTopology } from '@identity-relay/bus';
import { createLogger, createMetrics, installShutdown, loadConfigOrExit } from '@identity-relay/runtime';
import { createIngress } from './app.js';

const config = loadConfigOrExit(process.env, { service: 'ingress' }, console.error);
const logger = createLogger({ service: 'ingress', level: config.logLevel });
const { registry } = createMetrics('ingress');

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
    { name: 'http', run: () => new Promise<void>((resolve) => server.close(() => resolve())) },
    { name: 'bus', run: () => bus.close() },
  ],
});
