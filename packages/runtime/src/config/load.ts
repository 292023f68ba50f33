import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { ConfigError, formatConfigError } from './errors.js';
import { crossCheck, parseRetryDelays } from './checks.js';
import { resolveSecrets, weakSecretProblems } from './secrets.js';
import type { Config, ConfigFor, ServiceName } from './types.js';
import { DEFAULT_HEALTH_PORT, VARIABLES, type VariableSpec } from './variables.js';

export type Env = Record<string, string | undefined>;
/** Raw values after ajv applied defaults and coercion, keyed by env variable name. */
export type RawValues = Record<string, string | number | undefined>;

const validators = new Map<ServiceName, ValidateFunction>();

function validatorFor(service: ServiceName): ValidateFunction {
  let validate = validators.get(service);
  if (!validate) {
    const ajv = new Ajv({ useDefaults: true, coerceTypes: true, allErrors: true, strict: true });
    ajvFormats.default(ajv, ['uri']);
    const properties = Object.fromEntries(VARIABLES.map((v) => [v.env, v.schema]));
    properties.HEALTH_PORT = { ...properties.HEALTH_PORT, default: DEFAULT_HEALTH_PORT[service] };
    validate = ajv.compile({ type: 'object', properties });
    validators.set(service, validate);
  }
  return validate;
}

/** Only the variables we know; empty or blank values count as unset (`KEY=` lines in .env files). */
function pickKnown(env: Env): RawValues {
  const raw: RawValues = {};
  for (const { env: name } of VARIABLES) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') raw[name] = value;
  }
  return raw;
}

function describe(spec: VariableSpec, original: string | undefined): string {
  const got = spec.sensitive || original === undefined ? '' : ` (got ${JSON.stringify(original)})`;
  return `${spec.env}: must be ${spec.expect}${got}`;
}

/** One problem per variable, however many schema keywords it failed. */
function schemaProblems(errors: readonly ErrorObject[], env: Env): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const error of errors) {
    const name = error.instancePath.replace(/^\//, '');
    const spec = VARIABLES.find((v) => v.env === name);
    if (seen.has(name)) continue;
    seen.add(name);
    problems.push(spec ? describe(spec, env[name]) : `${name || '(env)'}: ${error.message ?? 'is invalid'}`);
  }
  return problems;
}

function build(service: ServiceName, raw: RawValues, generatedSecrets: Record<string, string>): Config {
  const values: Record<string, unknown> = {};
  for (const spec of VARIABLES) {
    const value = raw[spec.env];
    if (value !== undefined) values[spec.key] = value;
  }
  values.retryDelaysMs = Object.freeze(parseRetryDelays(String(raw.RETRY_DELAYS_MS)).delays);
  values.publicBaseUrl = String(raw.PUBLIC_BASE_URL ?? `http://localhost:${raw.INGRESS_PORT}`).replace(
    /\/+$/,
    '',
  );
  return Object.freeze({
    ...(values as Omit<Config, 'service' | 'generatedSecrets'>),
    service,
    generatedSecrets: Object.freeze(generatedSecrets),
  });
}

/**
 * Reads, validates and freezes the configuration of `service` from `env` (pass `process.env`
 * from `main`; nothing else reads the environment). Unknown variables are ignored.
 * @throws ConfigError listing every problem at once.
 */
export function loadConfig<S extends ServiceName>(env: Env, opts: { service: S }): Readonly<ConfigFor<S>> {
  const raw = pickKnown(env);
  const validate = validatorFor(opts.service);
  const problems = validate(raw) ? [] : schemaProblems(validate.errors ?? [], env);
  const failed = new Set(problems.map((p) => p.slice(0, p.indexOf(':'))));
  problems.push(...crossCheck(raw, failed));
  if (opts.service === 'notifier' && raw.NODE_ENV === 'production' && raw.PUBLIC_BASE_URL === undefined)
    // A localhost default would put dead unsubscribe links into real people's mail.
    problems.push('PUBLIC_BASE_URL: required in production (the public address of the ingress)');
  problems.push(...weakSecretProblems(raw, failed));
  const secrets = resolveSecrets(opts.service, raw);
  problems.push(...secrets.problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return build(opts.service, { ...raw, ...secrets.generated }, secrets.generated) as ConfigFor<S>;
}

export interface LoadConfigOrExitOptions<S extends ServiceName> {
  service: S;
  /** (default=process.exit) Replaced in tests. */
  exit?: (code: number) => never;
}

/**
 * `loadConfig` for a process entry point: on a ConfigError prints every problem to `log`
 * (default: stderr) and exits with code 1. Other errors are bugs and propagate.
 */
export function loadConfigOrExit<S extends ServiceName>(
  env: Env,
  opts: LoadConfigOrExitOptions<S>,
  log: (message: string) => void = (message) => process.stderr.write(`${message}\n`),
): Readonly<ConfigFor<S>> {
  try {
    return loadConfig(env, { service: opts.service });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log(`${opts.service}: ${formatConfigError(error)}`);
    return (opts.exit ?? process.exit)(1);
  }
}

/** Lines `main` prints once so a developer can reuse generated secrets (`KEY=value`). */
export function formatGeneratedSecrets(config: Pick<Config, 'generatedSecrets'>): string[] {
  return Object.entries(config.generatedSecrets).map(([name, value]) => `${name}=${value}`);
}

export interface AnnounceOptions {
  /** (default=process.stdout.isTTY) Only a terminal sees the values; container logs get the names only. */
  isTerminal?: boolean;
  /** (default=process.stdout.write) Where the values go when `isTerminal`. */
  write?: (text: string) => void;
}

/**
 * Tells the developer about generated secrets once. On a terminal the values are printed (outside the log) so
 * the IdP can be configured; anywhere else — a container, a log collector — only their names are logged, since
 * container logs are kept and shared, and whoever needs a key should set it instead.
 */
export function announceGeneratedSecrets(
  config: Pick<Config, 'generatedSecrets'>,
  logger: { warn: (obj: object, msg: string) => void },
  opts: AnnounceOptions = {},
): void {
  const names = Object.keys(config.generatedSecrets);
  if (names.length === 0) return;
  if (opts.isTerminal ?? process.stdout.isTTY === true) {
    const write = opts.write ?? ((text: string) => void process.stdout.write(text));
    for (const line of formatGeneratedSecrets(config)) write(`generated ${line}\n`);
    return;
  }
  logger.warn(
    { variables: names },
    'generated random secrets for this run (not printed: output is not a terminal); set these variables to use the endpoints',
  );
}
