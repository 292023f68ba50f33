import type { JSONSchemaType } from 'ajv';
import {
  DEFAULT_PUBLISH_TIMEOUT_MS,
  DEFAULT_QUORUM_REPLICAS,
  MAX_PUBLISH_TIMEOUT_MS,
} from '@identity-relay/bus/limits';
import { brokerUrlProblem, parseRetryDelays } from './checks.js';
import {
  derived,
  generatedSecret,
  generatedSecretUnless,
  optional,
  withDefault,
  type Scalar,
  type VariableSpec,
} from './variable.js';

/**
 * Every environment variable, defined once: its schema, its default and how to explain a bad value. Services
 * compose their variable sets from the groups at the end of this file (services.ts); `.env.example` documents
 * each variable, and the field comments of the groups say what it does.
 */

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const NODE_ENVS: NodeEnv[] = ['development', 'production', 'test'];
const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
// RFC 9110 token characters: what an HTTP header name may contain.
const HEADER_NAME = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
// A Standard Webhooks secret: `whsec_` + base64 of the HMAC key.
const WHSEC = '^whsec_[A-Za-z0-9+/]+={0,2}$';
// A trait name or dotted path into traits, e.g. `user_type` or `profile.role`.
const TRAIT_PATH = '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$';
// Express's `trust proxy`: a hop count, or proxy addresses, CIDRs and the names loopback/linklocal/uniquelocal.
const TRUST_PROXY_SYNTAX = '^\\s*([0-9]{1,2}|[0-9A-Za-z.:/]+(\\s*,\\s*[0-9A-Za-z.:/]+)*)\\s*$';
// Comma-separated positive integers; each value's upper bound is checked after parsing.
const DELAY_LIST = '^\\s*[1-9][0-9]*(\\s*,\\s*[1-9][0-9]*)*\\s*$';
const HTTP_URL = '^https?://';
const POSTGRES_URL = '^postgres(ql)?://';

const same = <T>(value: T): T => value;

function spec<Raw extends Scalar>(
  env: string,
  schema: JSONSchemaType<Raw>,
  expect: string,
  more: { sensitive?: boolean; secret?: boolean } = {},
): VariableSpec<Raw, Raw> {
  return { env, schema, expect, convert: same, ...more };
}

/** An integer from `min` to `max`; `unit` completes the explanation ("milliseconds"). */
function int(env: string, min: number, max: number, unit?: string): VariableSpec<number, number> {
  const expect = `an integer from ${min} to ${max}${unit ? ` (${unit})` : ''}`;
  return spec<number>(env, { type: 'integer', minimum: min, maximum: max }, expect);
}

function port(env: string): VariableSpec<number, number> {
  return spec<number>(env, { type: 'integer', minimum: 0, maximum: 65535 }, 'a port number from 0 to 65535');
}

function text(env: string): VariableSpec<string, string> {
  return spec<string>(env, { type: 'string', minLength: 1 }, 'a non-empty string');
}

function url(env: string, pattern: string, expect: string, sensitive = false): VariableSpec<string, string> {
  return spec<string>(env, { type: 'string', format: 'uri', pattern }, expect, { sensitive });
}

function httpUrl(env: string): VariableSpec<string, string> {
  return url(env, HTTP_URL, 'an http:// or https:// URL');
}

function secret(env: string): VariableSpec<string, string> {
  return spec<string>(env, { type: 'string' }, 'a non-empty string', { sensitive: true, secret: true });
}

function signingSecret(env: string): VariableSpec<string, string> {
  const schema: JSONSchemaType<string> = { type: 'string', pattern: WHSEC };
  return spec(env, schema, 'a whsec_<base64> secret', { sensitive: true, secret: true });
}

// ---- process -------------------------------------------------------------------------------------------

export const NODE_ENV = withDefault(
  spec<NodeEnv>('NODE_ENV', { type: 'string', enum: NODE_ENVS }, `one of ${NODE_ENVS.join(', ')}`),
  'development',
);
export const LOG_LEVEL = withDefault(
  spec<LogLevel>('LOG_LEVEL', { type: 'string', enum: LOG_LEVELS }, `one of ${LOG_LEVELS.join(', ')}`),
  'info',
);
export const SHUTDOWN_GRACE_MS = withDefault(int('SHUTDOWN_GRACE_MS', 0, 3_600_000, 'milliseconds'), 10_000);

// ---- broker --------------------------------------------------------------------------------------------

export const AMQP_URL = withDefault(
  {
    // A list is no URI: the pattern checks the start, brokerUrlProblem each entry (naming it, not its text).
    ...spec<string>(
      'AMQP_URL',
      { type: 'string', pattern: '^\\s*amqps?://' },
      'an amqp:// or amqps:// URL, or a comma-separated list of them (one per cluster node)',
      { sensitive: true },
    ),
    check: brokerUrlProblem,
  },
  'amqp://guest:guest@127.0.0.1:5672',
);
export const QUORUM_QUEUE_REPLICAS = withDefault(
  int('QUORUM_QUEUE_REPLICAS', 1, 99, 'members of each quorum queue'),
  DEFAULT_QUORUM_REPLICAS,
);
export const RETRY_DELAYS_MS = withDefault(
  {
    ...spec<string>(
      'RETRY_DELAYS_MS',
      { type: 'string', pattern: DELAY_LIST },
      'a comma-separated list of positive integers (milliseconds)',
    ),
    check: (value: string) => parseRetryDelays(value).problem,
    convert: (value: string): readonly number[] => Object.freeze(parseRetryDelays(value).delays),
  },
  '1000,10000,60000',
);
export const PUBLISH_TIMEOUT_MS = withDefault(
  int('PUBLISH_TIMEOUT_MS', 1, MAX_PUBLISH_TIMEOUT_MS, 'milliseconds'),
  DEFAULT_PUBLISH_TIMEOUT_MS,
);
export const PREFETCH = withDefault(int('PREFETCH', 1, 10_000), 50);
export const BATCH_SIZE = withDefault(int('BATCH_SIZE', 1, 5000), 200);
export const BATCH_WAIT_MS = withDefault(int('BATCH_WAIT_MS', 0, 60_000, 'milliseconds'), 10);

// ---- database ------------------------------------------------------------------------------------------

export const DATABASE_URL = withDefault(
  url('DATABASE_URL', POSTGRES_URL, 'a postgres:// or postgresql:// URL', true),
  'postgresql://postgres@127.0.0.1:5432/identity_relay',
);
export const DATABASE_DIRECT_URL = optional(
  url('DATABASE_DIRECT_URL', POSTGRES_URL, 'a postgres:// or postgresql:// URL', true),
);
export const DB_POOL_MAX = withDefault(int('DB_POOL_MAX', 1, 200), 10);

// ---- HTTP listeners ------------------------------------------------------------------------------------

export const HOST = withDefault(text('HOST'), '0.0.0.0');
export const TRUST_PROXY = optional(
  spec<string>(
    'TRUST_PROXY',
    { type: 'string', pattern: TRUST_PROXY_SYNTAX },
    'a number of proxy hops, or a comma-separated list of proxy addresses/CIDRs (or loopback, linklocal, uniquelocal)',
  ),
);
export const INGRESS_PORT = withDefault(port('INGRESS_PORT'), 8080);
export const OPS_PORT = withDefault(port('OPS_PORT'), 8081);
/** HEALTH_PORT of a worker: its default is the worker's own, given in its variable set. */
export const healthPort = (fallback: number) => withDefault(port('HEALTH_PORT'), fallback);
export const HTTP_HEADERS_TIMEOUT_MS = withDefault(
  int('HTTP_HEADERS_TIMEOUT_MS', 1000, 600_000, 'milliseconds'),
  10_000,
);
export const HTTP_REQUEST_TIMEOUT_MS = withDefault(
  int('HTTP_REQUEST_TIMEOUT_MS', 1000, 3_600_000, 'milliseconds'),
  30_000,
);
export const HTTP_MAX_CONNECTIONS = withDefault(
  int('HTTP_MAX_CONNECTIONS', 1, 1_000_000, 'connections'),
  1000,
);
export const METRICS_TOKEN = optional(secret('METRICS_TOKEN'));
export const AUTH_FAILURES_PER_MINUTE = withDefault(
  int('AUTH_FAILURES_PER_MINUTE', 1, 1_000_000, 'failed attempts per minute'),
  30,
);
export const BODY_LIMIT_BYTES = withDefault(int('BODY_LIMIT_BYTES', 1, 104_857_600, 'bytes'), 1_048_576);
export const RATE_LIMIT_PER_SECOND = optional(
  int('RATE_LIMIT_PER_SECOND', 1, 1_000_000, 'requests per second'),
);
export const RATE_LIMIT_BURST = optional(int('RATE_LIMIT_BURST', 1, 10_000_000, 'requests'));

// ---- identity providers --------------------------------------------------------------------------------

const given = (raw: Readonly<Record<string, Scalar | undefined>>, name: string): boolean =>
  raw[name] !== undefined;

/** Not needed when Kratos authenticates with HTTP basic instead. */
export const KRATOS_API_KEY = generatedSecretUnless(
  secret('KRATOS_API_KEY'),
  (raw) => given(raw, 'KRATOS_BASIC_USER') && given(raw, 'KRATOS_BASIC_PASSWORD'),
);
export const KRATOS_API_KEY_HEADER = withDefault(
  spec<string>('KRATOS_API_KEY_HEADER', { type: 'string', pattern: HEADER_NAME }, 'an HTTP header name'),
  'X-Api-Key',
);
export const KRATOS_BASIC_USER = optional(text('KRATOS_BASIC_USER'));
export const KRATOS_BASIC_PASSWORD = optional(secret('KRATOS_BASIC_PASSWORD'));
export const KRATOS_WEBHOOK_SECRET = optional(signingSecret('KRATOS_WEBHOOK_SECRET'));
export const AUTHENTIK_WEBHOOK_TOKEN = generatedSecret(secret('AUTHENTIK_WEBHOOK_TOKEN'));
export const AUTHENTIK_WEBHOOK_SECRET = optional(signingSecret('AUTHENTIK_WEBHOOK_SECRET'));
export const HOOKS_API_KEY = generatedSecret(secret('HOOKS_API_KEY'));
export const HOOKS_WEBHOOK_SECRET = optional(signingSecret('HOOKS_WEBHOOK_SECRET'));
export const POLICY_FILE = optional(text('POLICY_FILE'));
export const NOTIFY_API_KEY = generatedSecret(secret('NOTIFY_API_KEY'));
/** Signs (notifier) and verifies (ingress) unsubscribe links: both need the same value. */
export const UNSUBSCRIBE_SECRET = generatedSecret(secret('UNSUBSCRIBE_SECRET'));

export const AUTHENTIK_URL = optional(httpUrl('AUTHENTIK_URL'));
export const AUTHENTIK_TOKEN = optional(secret('AUTHENTIK_TOKEN'));
export const AUTHENTIK_TIMEOUT_MS = withDefault(
  int('AUTHENTIK_TIMEOUT_MS', 1, 120_000, 'milliseconds'),
  5000,
);
export const AUTHENTIK_CONCURRENCY = withDefault(
  int('AUTHENTIK_CONCURRENCY', 1, 256, 'requests in flight'),
  8,
);
export const KRATOS_ADMIN_URL = optional(httpUrl('KRATOS_ADMIN_URL'));
export const KRATOS_ADMIN_TOKEN = optional(secret('KRATOS_ADMIN_TOKEN'));

// ---- reconciliation ------------------------------------------------------------------------------------

export const RECONCILE_INTERVAL = optional(
  spec<string>(
    'RECONCILE_INTERVAL',
    { type: 'string', pattern: '^[1-9][0-9]{0,5}(s|m|h|d)$' },
    'a duration such as 90s, 30m, 6h or 1d',
  ),
);
export const RECONCILE_MAX_DELETE_RATIO = withDefault(
  spec<number>(
    'RECONCILE_MAX_DELETE_RATIO',
    { type: 'number', minimum: 0, maximum: 1 },
    'a number from 0 to 1',
  ),
  0.1,
);
export const RECONCILE_PAGE_SIZE = withDefault(int('RECONCILE_PAGE_SIZE', 1, 1000), 250);

// ---- subscribers and mail ------------------------------------------------------------------------------

export const SUBSCRIBER_RULES_FILE = optional(text('SUBSCRIBER_RULES_FILE'));
export const SUBSCRIBER_TYPE_TRAIT = withDefault(
  spec<string>(
    'SUBSCRIBER_TYPE_TRAIT',
    { type: 'string', pattern: TRAIT_PATH },
    'a trait name or dotted path (letters, digits, _ and -)',
  ),
  'type',
);
export const SMTP_URL = optional(url('SMTP_URL', '^smtps?://', 'an smtp:// or smtps:// URL', true));
export const MAIL_FROM = withDefault(text('MAIL_FROM'), 'identity-relay <no-reply@localhost>');
export const MAIL_DIR = withDefault(text('MAIL_DIR'), './var/mail');
/** Outside production, the local ingress (INGRESS_PORT, which the notifier's set therefore holds). */
export const PUBLIC_BASE_URL = derived(
  {
    ...url('PUBLIC_BASE_URL', '^https?://[^?#]*$', 'an http:// or https:// URL without query or fragment'),
    convert: (value: string) => value.replace(/\/+$/, ''),
  },
  (raw) => (raw.INGRESS_PORT === undefined ? undefined : `http://localhost:${raw.INGRESS_PORT}`),
);
export const UNSUBSCRIBE_MAILTO = optional(
  spec<string>(
    'UNSUBSCRIBE_MAILTO',
    { type: 'string', pattern: '^[^\\s<>,;:"()\\[\\]\\\\@]+@[^\\s<>,;:"()\\[\\]\\\\@?]+$' },
    'one email address (where unsubscribe mails go)',
  ),
);
export const SMTP_MAX_CONNECTIONS = withDefault(int('SMTP_MAX_CONNECTIONS', 1, 100), 5);
export const SMTP_TIMEOUT_MS = withDefault(int('SMTP_TIMEOUT_MS', 1000, 600_000, 'milliseconds'), 30_000);
export const MAIL_RATE_PER_SECOND = withDefault(
  int('MAIL_RATE_PER_SECOND', 1, 100_000, 'emails per second'),
  20,
);

// ---- ops API and console -------------------------------------------------------------------------------

/** The ops API's static bearer token; not needed when it accepts the OIDC issuer's JWTs instead. */
export const OPS_TOKEN = generatedSecretUnless(secret('OPS_TOKEN'), (raw) => given(raw, 'OIDC_ISSUER'));
export const OIDC_ISSUER = optional(httpUrl('OIDC_ISSUER'));
export const OIDC_AUDIENCE = optional(text('OIDC_AUDIENCE'));
export const OIDC_JWKS_URL = optional(httpUrl('OIDC_JWKS_URL'));
export const OIDC_ROLE_CLAIM = withDefault(text('OIDC_ROLE_CLAIM'), 'roles');
export const OIDC_READ_ROLE = withDefault(text('OIDC_READ_ROLE'), 'identity-relay:read');
export const OIDC_OPERATOR_ROLE = withDefault(text('OIDC_OPERATOR_ROLE'), 'identity-relay:operator');
export const OIDC_PII_ROLE = withDefault(text('OIDC_PII_ROLE'), 'identity-relay:pii');
export const OIDC_CLIENT_ID = optional(text('OIDC_CLIENT_ID'));
export const OIDC_CLIENT_SECRET = optional(secret('OIDC_CLIENT_SECRET'));
export const OIDC_REDIRECT_URL = optional({
  ...httpUrl('OIDC_REDIRECT_URL'),
  expect:
    'an http:// or https:// URL (the console sign-in callback, e.g. https://ops.example.org/login/oidc/callback)',
});
export const OIDC_SCOPES = withDefault(text('OIDC_SCOPES'), 'openid profile email');
export const DEAD_LETTER_RETENTION_DAYS = withDefault(int('DEAD_LETTER_RETENTION_DAYS', 1, 3650, 'days'), 30);
