import { crossCheck } from './checks.js';
import { ConfigError, formatConfigError } from './errors.js';
import { generateSecret, weakSecretProblems } from './secrets.js';
import { SERVICE_VARIABLES, type ConfigFor, type ServiceName } from './services.js';
import type { AnyVariable, RawValues, Scalar, VariableSet } from './variable.js';

export type Env = Record<string, string | undefined>;

/** What reading a variable set found: values by configuration key, and what was wrong. */
interface Reading {
  readonly values: Record<string, unknown>;
  /** Validated values by variable name (the given text where it failed): what cross-checks see. */
  readonly raw: Record<string, Scalar | undefined>;
  readonly problems: string[];
  /** Problems of values that match their schema but fail their variable's check. */
  readonly checkProblems: string[];
  /** Missing required secrets in production, listed after the other problems. */
  readonly missing: string[];
  readonly failed: Set<string>;
  readonly generated: Record<string, string>;
}

/** Only the variables of the set; empty or blank values count as unset (`KEY=` lines in .env files). */
function givenValues(variables: readonly AnyVariable[], env: Env): RawValues {
  const given: Record<string, string> = {};
  for (const { env: name } of variables) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') given[name] = value;
  }
  return given;
}

function readOne(reading: Reading, key: string, variable: AnyVariable, input: Scalar | undefined): void {
  reading.raw[variable.env] = input;
  if (input === undefined) return;
  const result = variable.read(input);
  if ('problem' in result) {
    const list = result.found === 'schema' ? reading.problems : reading.checkProblems;
    list.push(`${variable.env}: ${result.problem}`);
    reading.failed.add(variable.env);
    return;
  }
  reading.raw[variable.env] = result.raw;
  reading.values[key] = result.value;
}

/** Validates every variable of `set`: given, defaulted, generated (outside production) or derived. */
function readSet(set: VariableSet, env: Env): Reading {
  const entries = Object.entries(set);
  const given = givenValues(
    entries.map(([, variable]) => variable),
    env,
  );
  const production = given.NODE_ENV === 'production';
  const reading: Reading = {
    values: {},
    raw: {},
    problems: [],
    checkProblems: [],
    missing: [],
    failed: new Set(),
    generated: {},
  };
  const derived: Array<[string, AnyVariable, (raw: RawValues) => Scalar | undefined]> = [];
  for (const [key, variable] of entries) {
    let input = given[variable.env];
    const { fill } = variable;
    if (input === undefined && fill.kind === 'default') input = fill.value;
    if (input === undefined && fill.kind === 'derived') {
      derived.push([key, variable, fill.from]);
      continue;
    }
    if (input === undefined && fill.kind === 'secret' && !(fill.unless?.(given) ?? false)) {
      if (production) reading.missing.push(`${variable.env}: required in production`);
      else input = reading.generated[variable.env] = generateSecret();
    }
    readOne(reading, key, variable, input);
  }
  // Derived values only from valid ones: a bad INGRESS_PORT is reported once, not again in PUBLIC_BASE_URL.
  const valid = Object.fromEntries(Object.entries(reading.raw).filter(([name]) => !reading.failed.has(name)));
  for (const [key, variable, from] of derived)
    readOne(reading, key, variable, given[variable.env] ?? from(valid));
  return reading;
}

/**
 * The frozen configuration from what `readSet` validated without problems. Each value came from its own
 * variable's `read`, whose type `ConfigOf` derives, and every always-set variable has one; this is the one
 * place that tells the compiler so.
 */
function assemble<S extends ServiceName>(service: S, reading: Reading): ConfigFor<S> {
  const config = { ...reading.values, service, generatedSecrets: Object.freeze(reading.generated) };
  return Object.freeze(config) as ConfigFor<S>;
}

/**
 * Reads, validates and freezes the configuration of `service` from `env` (pass `process.env` from `main`;
 * nothing else reads the environment). Only the service's own variables are read; the rest are ignored.
 * @throws ConfigError listing every problem at once.
 */
export function loadConfig<S extends ServiceName>(env: Env, opts: { service: S }): ConfigFor<S> {
  const set = SERVICE_VARIABLES[opts.service];
  const reading = readSet(set, env);
  const given = givenValues(Object.values(set), env);
  const problems = [
    ...reading.problems,
    ...reading.checkProblems,
    ...crossCheck(reading.raw, given, reading.failed),
    ...weakSecretProblems(Object.values(set), reading.raw, reading.failed),
    ...reading.missing,
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return assemble(opts.service, reading);
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
): ConfigFor<S> {
  try {
    return loadConfig(env, { service: opts.service });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log(`${opts.service}: ${formatConfigError(error)}`);
    return (opts.exit ?? process.exit)(1);
  }
}

/** The part of a configuration that holds the secrets generated for this run. */
export interface GeneratedSecretsOf {
  readonly generatedSecrets: Readonly<Record<string, string>>;
}

/** Lines `main` prints once so a developer can reuse generated secrets (`KEY=value`). */
export function formatGeneratedSecrets(config: GeneratedSecretsOf): string[] {
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
  config: GeneratedSecretsOf,
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
