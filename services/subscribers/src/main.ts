import { createLogger, loadConfigOrExit } from '@identity-relay/runtime';
import { runWorker } from '@identity-relay/worker-host';
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

await runWorker({
  service: 'subscribers',
  config,
  logger,
  create: (deps) => createSubscribersWorker({ ...deps, logger, rules, config }),
});
