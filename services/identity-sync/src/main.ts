import { createLogger, loadConfigOrExit } from '@identity-relay/runtime';
import { runWorker } from '@identity-relay/worker-host';
import { createIdentitySyncWorker } from './worker.js';

const config = loadConfigOrExit(process.env, { service: 'identity-sync' }, console.error);
const logger = createLogger({ service: 'identity-sync', level: config.logLevel });

await runWorker({
  service: 'identity-sync',
  config,
  logger,
  create: (deps) => createIdentitySyncWorker({ ...deps, logger, config }),
});
