export { ConfigError, formatConfigError } from './errors.js';
export {
  loadConfig,
  loadConfigOrExit,
  formatGeneratedSecrets,
  announceGeneratedSecrets,
  type AnnounceOptions,
  type Env,
  type GeneratedSecretsOf,
  type LoadConfigOrExitOptions,
} from './load.js';
export { MAX_RETRY_DELAY_MS, OIDC_CALLBACK_PATH, parseRetryDelays } from './checks.js';
export {
  ALL_VARIABLES,
  SERVICE_NAMES,
  SERVICE_VARIABLES,
  variablesOf,
  type CliConfig,
  type ConfigFor,
  type IdentitySyncConfig,
  type IngressConfig,
  type NotifierServiceConfig,
  type OpsConfig,
  type ReconcilerServiceConfig,
  type ServiceName,
  type SubscribersConfig,
  type WorkerProcessConfig,
} from './services.js';
export {
  defaultOf,
  type AnyVariable,
  type ConfigOf,
  type DefaultedVariable,
  type Variable,
  type VariableSet,
} from './variable.js';
export * as variables from './variables.js';
export type { LogLevel, NodeEnv } from './variables.js';
export { renderConfigReference } from './reference.js';
