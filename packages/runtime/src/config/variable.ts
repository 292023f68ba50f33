import { Ajv, type JSONSchemaType, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';

/** What an environment variable holds once ajv has coerced it: a string or a number. */
export type Scalar = string | number;

/** Variable values before conversion (given, defaulted or generated), keyed by variable name. */
export type RawValues = Readonly<Record<string, Scalar | undefined>>;

/** How an unset variable gets its value. */
export type Fill =
  | { readonly kind: 'none' }
  | { readonly kind: 'default'; readonly value: Scalar }
  /** Computed from other variables' validated values; `undefined` when one of them is invalid. */
  | { readonly kind: 'derived'; readonly from: (raw: RawValues) => Scalar | undefined }
  /** A secret the process needs: generated outside production, required in production (unless `unless`). */
  | { readonly kind: 'secret'; readonly unless?: (given: RawValues) => boolean };

/**
 * Either the value of a variable, or what is wrong with it (completing `VAR: ...`): `schema` when it does not
 * match its schema, `check` when it does but fails the variable's own check (listed after schema problems).
 */
export type Reading<Value> =
  | { readonly raw: Scalar; readonly value: Value }
  | { readonly problem: string; readonly found: 'schema' | 'check' };

/**
 * One environment variable, defined once and composed into the variable sets of the services that read it.
 * `Value` is what the configuration holds; `Always` whether it is always set (a default, a derived value or
 * a generated secret) or may be `undefined`. Both are inferred from the definition, so the configuration
 * type of a service is derived from its variables (see `ConfigOf`) and cannot disagree with them.
 */
export interface Variable<Value, Always extends boolean> {
  readonly env: string;
  /** What a valid value looks like, completing "must be ...". */
  readonly expect: string;
  /** Never echo the value in problems (secrets, URLs that may carry credentials). */
  readonly sensitive: boolean;
  /**
   * A secret this deployment chooses (API key, token, password, signing secret): in production it must not be
   * a known placeholder nor shorter than MIN_SECRET_LENGTH (see secrets.ts).
   */
  readonly secret: boolean;
  readonly fill: Fill;
  readonly always: Always;
  /** Validates (with coercion) and converts a given or filled value. */
  read(input: Scalar): Reading<Value>;
}

/** A variable with a constant default, readable by code that runs without a loaded configuration. */
export interface DefaultedVariable<Value> extends Variable<Value, true> {
  readonly default: Value;
}

/** Any variable; the element type of a variable set. */
export type AnyVariable = Variable<unknown, boolean>;
/** Configuration key → variable. Sets are composed from shared groups (see variables.ts). */
export type VariableSet = Readonly<Record<string, AnyVariable>>;

type ValueOf<V> = V extends Variable<infer Value, boolean> ? Value : never;
type AlwaysKeys<S extends VariableSet> = {
  [K in keyof S]: S[K] extends Variable<unknown, true> ? K : never;
}[keyof S];
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The configuration a variable set yields: always-set variables required, the others optional. */
export type ConfigOf<S extends VariableSet> = Simplify<
  { readonly [K in AlwaysKeys<S>]: ValueOf<S[K]> } & {
    readonly [K in Exclude<keyof S, AlwaysKeys<S>>]?: ValueOf<S[K]>;
  }
>;

/** What a variable is, before it is told how an unset value is filled. */
export interface VariableSpec<Raw extends Scalar, Value> {
  readonly env: string;
  /** JSON Schema of the coerced value; ajv checks at compile time that it describes `Raw`. */
  readonly schema: JSONSchemaType<Raw>;
  readonly expect: string;
  readonly sensitive?: boolean;
  readonly secret?: boolean;
  /** A value check JSON Schema cannot express; returns the problem, if any. */
  readonly check?: (raw: Raw) => string | undefined;
  /** Turns the validated value into the configuration value. */
  readonly convert: (raw: Raw) => Value;
}

const ajv = new Ajv({ coerceTypes: true, allErrors: false, strict: true });
ajvFormats.default(ajv, ['uri']);

/**
 * A validator of one variable's value. ajv coerces in place, so the value sits in a one-property object;
 * `schema` is typed `JSONSchemaType<Raw>`, which makes the guard's `Raw` the schema's own type.
 */
function compileValue<Raw extends Scalar>(schema: JSONSchemaType<Raw>): ValidateFunction<{ value: Raw }> {
  return ajv.compile<{ value: Raw }>({ type: 'object', properties: { value: schema }, required: ['value'] });
}

function define<Raw extends Scalar, Value, Always extends boolean>(
  spec: VariableSpec<Raw, Value>,
  fill: Fill,
  always: Always,
): Variable<Value, Always> {
  let validate: ValidateFunction<{ value: Raw }> | undefined;
  const describe = (input: Scalar): string =>
    `must be ${spec.expect}${spec.sensitive ? '' : ` (got ${JSON.stringify(String(input))})`}`;
  return Object.freeze({
    env: spec.env,
    expect: spec.expect,
    sensitive: spec.sensitive ?? false,
    secret: spec.secret ?? false,
    fill,
    always,
    read(input: Scalar): Reading<Value> {
      validate ??= compileValue(spec.schema);
      const data = { value: input };
      if (!validate(data)) return { problem: describe(input), found: 'schema' };
      const problem = spec.check?.(data.value);
      if (problem !== undefined) return { problem, found: 'check' };
      return { raw: data.value, value: spec.convert(data.value) };
    },
  });
}

/** Unset = `undefined` in the configuration. */
export function optional<Raw extends Scalar, Value>(spec: VariableSpec<Raw, Value>): Variable<Value, false> {
  return define(spec, { kind: 'none' }, false);
}

/** Unset = `value`, stated here and nowhere else. */
export function withDefault<Raw extends Scalar, Value>(
  spec: VariableSpec<Raw, Value>,
  value: Raw,
): DefaultedVariable<Value> {
  return Object.freeze({ ...define(spec, { kind: 'default', value }, true), default: spec.convert(value) });
}

/** Unset = computed from other variables of the same service (which must be in its set). */
export function derived<Raw extends Scalar, Value>(
  spec: VariableSpec<Raw, Value>,
  from: (raw: RawValues) => Raw | undefined,
): Variable<Value, true> {
  return define(spec, { kind: 'derived', from }, true);
}

/** A secret the service cannot run without: generated outside production, required in production. */
export function generatedSecret<Value>(spec: VariableSpec<string, Value>): Variable<Value, true> {
  return define(spec, { kind: 'secret' }, true);
}

/** Like `generatedSecret`, but not needed when `unless` holds for the given values (so it may be unset). */
export function generatedSecretUnless<Value>(
  spec: VariableSpec<string, Value>,
  unless: (given: RawValues) => boolean,
): Variable<Value, false> {
  return define(spec, { kind: 'secret', unless }, false);
}

/** The constant default of a variable, if it has one (what `.env.example` and the deployment files show). */
export function defaultOf(variable: AnyVariable): Scalar | undefined {
  return variable.fill.kind === 'default' ? variable.fill.value : undefined;
}
