import { createLogger, loadConfigOrExit } from '@identity-relay/runtime';
import { runWorker } from '@identity-relay/worker-host';
import { createMailTransport } from './mail/create.js';
import { createNotifierWorker } from './worker.js';

const config = loadConfigOrExit(process.env, { service: 'notifier' }, console.error);
const logger = createLogger({ service: 'notifier', level: config.logLevel });
const transport = createMailTransport(config);

await runWorker({
  service: 'notifier',
  config,
  logger,
  create: (deps) => createNotifierWorker({ ...deps, logger, transport, config }),
  close: [{ name: 'mail', run: () => transport.close() }],
  describe: {
    transport: transport.kind,
    ...(transport.kind === 'maildir' ? { mailDir: config.mailDir } : {}),
  },
});
