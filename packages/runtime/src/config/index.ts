export { ConfigError, formatConfigError } from './errors.js';
export {
  loadConfig,
  loadConfigOrExit,
  formatGeneratedSecrets,
  announceGeneratedSecrets,
  type AnnounceOptions,
  type Env,
  type LoadConfigOrExitOptions,
} from './load.js';
export { OIDC_CALLBACK_PATH, parseRetryDelays } from './checks.js';
export {
  SERVICE_NAMES,
  type Config,
  type ConfigFor,
  type ServiceName,
  type NodeEnv,
  type LogLevel,
} from './types.js';
