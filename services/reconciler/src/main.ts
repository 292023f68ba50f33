import { createLogger, loadConfigOrExit } from '@identity-relay/runtime';
import { runWorker } from '@identity-relay/worker-host';
import { createReconcilerService } from './service.js';

const config = loadConfigOrExit(process.env, { service: 'reconciler' }, console.error);
const logger = createLogger({ service: 'reconciler', level: config.logLevel });

await runWorker({
  service: 'reconciler',
  config,
  logger,
  create: (deps) => createReconcilerService({ ...deps, logger, config }),
  describe: { interval: config.reconcileInterval ?? 'off' },
});
