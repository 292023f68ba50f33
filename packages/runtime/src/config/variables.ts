import type { JSONSchemaType } from 'ajv';
import {
  DEFAULT_BATCH_WAIT_MS,
  DEFAULT_PREFETCH,
  DEFAULT_PUBLISH_TIMEOUT_MS,
  DEFAULT_QUORUM_REPLICAS,
  MAX_PUBLISH_TIMEOUT_MS,
} from '@identity-relay/bus/limits';
import { DEFAULT_POOL_MAX, MAX_POOL_MAX } from '@identity-relay/db/limits';
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
 * compose their variable sets from these (services.ts); `.env.example` documents
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

/** NODE_ENV: `production` refuses to generate missing secrets and refuses weak ones. */
export const NODE_ENV = withDefault(
  spec<NodeEnv>('NODE_ENV', { type: 'string', enum: NODE_ENVS }, `one of ${NODE_ENVS.join(', ')}`),
  'development',
);
/** LOG_LEVEL: At debug/trace, email addresses are no longer masked in logs. */
export const LOG_LEVEL = withDefault(
  spec<LogLevel>('LOG_LEVEL', { type: 'string', enum: LOG_LEVELS }, `one of ${LOG_LEVELS.join(', ')}`),
  'info',
);
/** SHUTDOWN_GRACE_MS: (milliseconds) Time allowed for a graceful shutdown. */
export const SHUTDOWN_GRACE_MS = withDefault(int('SHUTDOWN_GRACE_MS', 0, 3_600_000, 'milliseconds'), 10_000);

// ---- broker --------------------------------------------------------------------------------------------

/**
 * AMQP_URL: One URL, or one per cluster node separated by commas (same vhost): the bus connects to one and
 * moves to the next live one when it is lost.
 */
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
/**
 * QUORUM_QUEUE_REPLICAS: Members of each quorum queue (`x-quorum-initial-group-size`) when it is created; a
 * cluster with fewer nodes gets one per node.
 */
export const QUORUM_QUEUE_REPLICAS = withDefault(
  int('QUORUM_QUEUE_REPLICAS', 1, 99, 'members of each quorum queue'),
  DEFAULT_QUORUM_REPLICAS,
);
/**
 * RETRY_DELAYS_MS: (milliseconds, each at most MAX_RETRY_DELAY_MS) One delay queue per entry, then
 * dead-letter.
 */
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
/** PUBLISH_TIMEOUT_MS: (milliseconds) How long a publish waits for the broker's confirm. */
export const PUBLISH_TIMEOUT_MS = withDefault(
  int('PUBLISH_TIMEOUT_MS', 1, MAX_PUBLISH_TIMEOUT_MS, 'milliseconds'),
  DEFAULT_PUBLISH_TIMEOUT_MS,
);
/** PREFETCH: Unacknowledged messages per consumer. */
export const PREFETCH = withDefault(int('PREFETCH', 1, 10_000), DEFAULT_PREFETCH);
/**
 * BATCH_SIZE: Messages identity-sync (and subscribers, capped at 50) apply in one transaction; they consume
 * with a prefetch of at least twice this, so one batch fills while the previous one commits. Chosen from the
 * drain benchmark's sweep (docs/benchmarks.md): 25 → 2.2k, 100 → 3.5k, 200 → 4.1k, 400 → 4.5k msg/s.
 */
export const BATCH_SIZE = withDefault(int('BATCH_SIZE', 1, 5000), 200);
/** BATCH_WAIT_MS: (milliseconds) How long a partial batch waits for more messages. */
export const BATCH_WAIT_MS = withDefault(
  int('BATCH_WAIT_MS', 0, 60_000, 'milliseconds'),
  DEFAULT_BATCH_WAIT_MS,
);

// ---- database ------------------------------------------------------------------------------------------

/** DATABASE_URL: May point at a pooler (PgBouncer, transaction mode). */
export const DATABASE_URL = withDefault(
  url('DATABASE_URL', POSTGRES_URL, 'a postgres:// or postgresql:// URL', true),
  'postgresql://postgres@127.0.0.1:5432/identity_relay',
);
/**
 * DATABASE_DIRECT_URL: A direct connection (not through PgBouncer) to the same database, used only to create
 * the database and run migrations; DATABASE_URL when unset.
 */
export const DATABASE_DIRECT_URL = optional(
  url('DATABASE_DIRECT_URL', POSTGRES_URL, 'a postgres:// or postgresql:// URL', true),
);
/** DB_POOL_MAX: Max connections in this process's pg pool. */
export const DB_POOL_MAX = withDefault(int('DB_POOL_MAX', 1, MAX_POOL_MAX), DEFAULT_POOL_MAX);

// ---- HTTP listeners ------------------------------------------------------------------------------------

/** HOST: Bind address of every HTTP listener of this process. */
export const HOST = withDefault(text('HOST'), '0.0.0.0');
/**
 * TRUST_PROXY: Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: a hop count or addresses/CIDRs
 * (Express `trust proxy` syntax). Unset: trust no proxy.
 */
export const TRUST_PROXY = optional(
  spec<string>(
    'TRUST_PROXY',
    { type: 'string', pattern: TRUST_PROXY_SYNTAX },
    'a number of proxy hops, or a comma-separated list of proxy addresses/CIDRs (or loopback, linklocal, uniquelocal)',
  ),
);
/** INGRESS_PORT: The ingress's port (0 = any free port). */
export const INGRESS_PORT = withDefault(port('INGRESS_PORT'), 8080);
/** OPS_PORT: The ops API and console's port (0 = any free port). */
export const OPS_PORT = withDefault(port('OPS_PORT'), 8081);
/** HEALTH_PORT of a worker: its default is the worker's own, given in its variable set. */
export const healthPort = (fallback: number) => withDefault(port('HEALTH_PORT'), fallback);
/**
 * HTTP_HEADERS_TIMEOUT_MS: (milliseconds) Time a client has to send its request headers, every HTTP listener.
 */
export const HTTP_HEADERS_TIMEOUT_MS = withDefault(
  int('HTTP_HEADERS_TIMEOUT_MS', 1000, 600_000, 'milliseconds'),
  10_000,
);
/** HTTP_REQUEST_TIMEOUT_MS: (milliseconds) Time a client has to send a whole request, body included. */
export const HTTP_REQUEST_TIMEOUT_MS = withDefault(
  int('HTTP_REQUEST_TIMEOUT_MS', 1000, 3_600_000, 'milliseconds'),
  30_000,
);
/** HTTP_MAX_CONNECTIONS: Open connections per HTTP listener; more are closed at once. */
export const HTTP_MAX_CONNECTIONS = withDefault(
  int('HTTP_MAX_CONNECTIONS', 1, 1_000_000, 'connections'),
  1000,
);
/**
 * METRICS_TOKEN: Bearer token `/metrics` requires on every listener; unset = open (a Prometheus inside the
 * cluster).
 */
export const METRICS_TOKEN = optional(secret('METRICS_TOKEN'));
/**
 * AUTH_FAILURES_PER_MINUTE: Failed authentications one client address may make per minute (the same number at
 * once) before further failures are answered 429; valid credentials still pass.
 */
export const AUTH_FAILURES_PER_MINUTE = withDefault(
  int('AUTH_FAILURES_PER_MINUTE', 1, 1_000_000, 'failed attempts per minute'),
  30,
);
/** BODY_LIMIT_BYTES: (bytes) Largest request body the ingress accepts. */
export const BODY_LIMIT_BYTES = withDefault(int('BODY_LIMIT_BYTES', 1, 104_857_600, 'bytes'), 1_048_576);
/**
 * RATE_LIMIT_PER_SECOND: Optional quota per credential: sustained requests per second. Unset: authenticated
 * traffic is never throttled (backpressure is the broker's). In memory per replica.
 */
export const RATE_LIMIT_PER_SECOND = optional(
  int('RATE_LIMIT_PER_SECOND', 1, 1_000_000, 'requests per second'),
);
/** RATE_LIMIT_BURST: Requests at once under RATE_LIMIT_PER_SECOND; unset = the rate. */
export const RATE_LIMIT_BURST = optional(int('RATE_LIMIT_BURST', 1, 10_000_000, 'requests'));

// ---- identity providers --------------------------------------------------------------------------------

const given = (raw: Readonly<Record<string, Scalar | undefined>>, name: string): boolean =>
  raw[name] !== undefined;

/** Not needed when Kratos authenticates with HTTP basic instead. */
export const KRATOS_API_KEY = generatedSecretUnless(
  secret('KRATOS_API_KEY'),
  (raw) => given(raw, 'KRATOS_BASIC_USER') && given(raw, 'KRATOS_BASIC_PASSWORD'),
);
/** KRATOS_API_KEY_HEADER: Header Kratos sends KRATOS_API_KEY in. */
export const KRATOS_API_KEY_HEADER = withDefault(
  spec<string>('KRATOS_API_KEY_HEADER', { type: 'string', pattern: HEADER_NAME }, 'an HTTP header name'),
  'X-Api-Key',
);
/** KRATOS_BASIC_USER: HTTP basic alternative to the API key, with KRATOS_BASIC_PASSWORD (both or neither). */
export const KRATOS_BASIC_USER = optional(text('KRATOS_BASIC_USER'));
/** KRATOS_BASIC_PASSWORD: See KRATOS_BASIC_USER. */
export const KRATOS_BASIC_PASSWORD = optional(secret('KRATOS_BASIC_PASSWORD'));
/**
 * KRATOS_WEBHOOK_SECRET: `whsec_...` Standard Webhooks secret of a proxy that signs Kratos' calls (Kratos
 * cannot sign).
 */
export const KRATOS_WEBHOOK_SECRET = optional(signingSecret('KRATOS_WEBHOOK_SECRET'));
/** AUTHENTIK_WEBHOOK_TOKEN: Bearer token Authentik's webhook transport sends. */
export const AUTHENTIK_WEBHOOK_TOKEN = generatedSecret(secret('AUTHENTIK_WEBHOOK_TOKEN'));
/**
 * AUTHENTIK_WEBHOOK_SECRET: `whsec_...` Standard Webhooks secret of a signing proxy in front of Authentik.
 */
export const AUTHENTIK_WEBHOOK_SECRET = optional(signingSecret('AUTHENTIK_WEBHOOK_SECRET'));
/** HOOKS_API_KEY: Key for /hooks/pre-signup and /hooks/pre-login. */
export const HOOKS_API_KEY = generatedSecret(secret('HOOKS_API_KEY'));
/** HOOKS_WEBHOOK_SECRET: `whsec_...` Standard Webhooks secret for signed calls of the policy hooks. */
export const HOOKS_WEBHOOK_SECRET = optional(signingSecret('HOOKS_WEBHOOK_SECRET'));
/** POLICY_FILE: Path of the pre-signup/pre-login policy (YAML or JSON); unset = allow all. */
export const POLICY_FILE = optional(text('POLICY_FILE'));
/** NOTIFY_API_KEY: Key for POST /notifications. */
export const NOTIFY_API_KEY = generatedSecret(secret('NOTIFY_API_KEY'));
/** Signs (notifier) and verifies (ingress) unsubscribe links: both need the same value. */
export const UNSUBSCRIBE_SECRET = generatedSecret(secret('UNSUBSCRIBE_SECRET'));

/**
 * AUTHENTIK_URL: Authentik's API, with AUTHENTIK_TOKEN (both or neither): user enrichment and reconciliation.
 */
export const AUTHENTIK_URL = optional(httpUrl('AUTHENTIK_URL'));
/** AUTHENTIK_TOKEN: See AUTHENTIK_URL. */
export const AUTHENTIK_TOKEN = optional(secret('AUTHENTIK_TOKEN'));
/** AUTHENTIK_TIMEOUT_MS: (milliseconds) Timeout of one Authentik API call. */
export const AUTHENTIK_TIMEOUT_MS = withDefault(
  int('AUTHENTIK_TIMEOUT_MS', 1, 120_000, 'milliseconds'),
  5000,
);
/** AUTHENTIK_CONCURRENCY: Authentik API calls in flight at once per identity-sync process. */
export const AUTHENTIK_CONCURRENCY = withDefault(
  int('AUTHENTIK_CONCURRENCY', 1, 256, 'requests in flight'),
  8,
);
/**
 * KRATOS_ADMIN_URL: Kratos' admin API (e.g. `http://kratos:4434`) the reconciler lists identities at; unset =
 * Kratos is not reconciled.
 */
export const KRATOS_ADMIN_URL = optional(httpUrl('KRATOS_ADMIN_URL'));
/**
 * KRATOS_ADMIN_TOKEN: Sent as `Authorization: Bearer` to the admin API (an `ory_pat_…` on the Ory Network).
 */
export const KRATOS_ADMIN_TOKEN = optional(secret('KRATOS_ADMIN_TOKEN'));

// ---- reconciliation ------------------------------------------------------------------------------------

/**
 * RECONCILE_INTERVAL: How often the reconciler compares each configured IdP with `identities` (`<n>s|m|h|d`);
 * unset = no scheduled runs.
 */
export const RECONCILE_INTERVAL = optional(
  spec<string>(
    'RECONCILE_INTERVAL',
    { type: 'string', pattern: '^[1-9][0-9]{0,5}(s|m|h|d)$' },
    'a duration such as 90s, 30m, 6h or 1d',
  ),
);
/**
 * RECONCILE_MAX_DELETE_RATIO: A run that would tombstone more than this share of a provider's live identities
 * refuses unless forced: an admin URL answering an empty list must not delete everybody.
 */
export const RECONCILE_MAX_DELETE_RATIO = withDefault(
  spec<number>(
    'RECONCILE_MAX_DELETE_RATIO',
    { type: 'number', minimum: 0, maximum: 1 },
    'a number from 0 to 1',
  ),
  0.1,
);
/** RECONCILE_PAGE_SIZE: Identities asked for per admin-API page (Authentik may cap it lower). */
export const RECONCILE_PAGE_SIZE = withDefault(int('RECONCILE_PAGE_SIZE', 1, 1000), 250);

// ---- subscribers and mail ------------------------------------------------------------------------------

/** SUBSCRIBER_RULES_FILE: Path of the subscriber rules; unset = built-in rules. */
export const SUBSCRIBER_RULES_FILE = optional(text('SUBSCRIBER_RULES_FILE'));
/** SUBSCRIBER_TYPE_TRAIT: Trait the built-in `educators` rule reads; a dotted path reaches nested traits. */
export const SUBSCRIBER_TYPE_TRAIT = withDefault(
  spec<string>(
    'SUBSCRIBER_TYPE_TRAIT',
    { type: 'string', pattern: TRAIT_PATH },
    'a trait name or dotted path (letters, digits, _ and -)',
  ),
  'type',
);
/** SMTP_URL: smtp(s)://; unset = write .eml files into MAIL_DIR. */
export const SMTP_URL = optional(url('SMTP_URL', '^smtps?://', 'an smtp:// or smtps:// URL', true));
/** MAIL_FROM: The From header of every email. */
export const MAIL_FROM = withDefault(text('MAIL_FROM'), 'identity-relay <no-reply@localhost>');
/** MAIL_DIR: Where .eml files go when SMTP_URL is unset. */
export const MAIL_DIR = withDefault(text('MAIL_DIR'), './var/mail');
/** Outside production, the local ingress (INGRESS_PORT, which the notifier's set therefore holds). */
export const PUBLIC_BASE_URL = derived(
  {
    ...url('PUBLIC_BASE_URL', '^https?://[^?#]*$', 'an http:// or https:// URL without query or fragment'),
    convert: (value: string) => value.replace(/\/+$/, ''),
  },
  (raw) => (raw.INGRESS_PORT === undefined ? undefined : `http://localhost:${raw.INGRESS_PORT}`),
);
/** UNSUBSCRIBE_MAILTO: Optional address for the `mailto:` form of List-Unsubscribe (RFC 2369). */
export const UNSUBSCRIBE_MAILTO = optional(
  spec<string>(
    'UNSUBSCRIBE_MAILTO',
    { type: 'string', pattern: '^[^\\s<>,;:"()\\[\\]\\\\@]+@[^\\s<>,;:"()\\[\\]\\\\@?]+$' },
    'one email address (where unsubscribe mails go)',
  ),
);
/** SMTP_MAX_CONNECTIONS: Pooled SMTP connections, which is also how many emails are sent at once. */
export const SMTP_MAX_CONNECTIONS = withDefault(int('SMTP_MAX_CONNECTIONS', 1, 100), 5);
/** SMTP_TIMEOUT_MS: (milliseconds) Connect, greeting and socket-idle timeout of SMTP. */
export const SMTP_TIMEOUT_MS = withDefault(int('SMTP_TIMEOUT_MS', 1000, 600_000, 'milliseconds'), 30_000);
/** MAIL_RATE_PER_SECOND: Most emails the notifier sends per second (per process). */
export const MAIL_RATE_PER_SECOND = withDefault(
  int('MAIL_RATE_PER_SECOND', 1, 100_000, 'emails per second'),
  20,
);

// ---- ops API and console -------------------------------------------------------------------------------

/** The ops API's static bearer token; not needed when it accepts the OIDC issuer's JWTs instead. */
export const OPS_TOKEN = generatedSecretUnless(secret('OPS_TOKEN'), (raw) => given(raw, 'OIDC_ISSUER'));
/** OIDC_ISSUER: Accept ops API JWTs from this issuer (for OIDC_AUDIENCE). */
export const OIDC_ISSUER = optional(httpUrl('OIDC_ISSUER'));
/** OIDC_AUDIENCE: Audience the ops API's JWTs must carry; required with OIDC_ISSUER. */
export const OIDC_AUDIENCE = optional(text('OIDC_AUDIENCE'));
/** OIDC_JWKS_URL: Where the issuer's signing keys are; unset = the `jwks_uri` of its discovery document. */
export const OIDC_JWKS_URL = optional(httpUrl('OIDC_JWKS_URL'));
/**
 * OIDC_ROLE_CLAIM: JWT claim holding the roles or groups; dots reach nested claims (`realm_access.roles`).
 */
export const OIDC_ROLE_CLAIM = withDefault(text('OIDC_ROLE_CLAIM'), 'roles');
/** OIDC_READ_ROLE: Role or group allowed to read the ops API and console. */
export const OIDC_READ_ROLE = withDefault(text('OIDC_READ_ROLE'), 'identity-relay:read');
/** OIDC_OPERATOR_ROLE: Role or group allowed to replay and discard too. */
export const OIDC_OPERATOR_ROLE = withDefault(text('OIDC_OPERATOR_ROLE'), 'identity-relay:operator');
/** OIDC_PII_ROLE: Role or group that lets a read-only user see personal data unmasked. */
export const OIDC_PII_ROLE = withDefault(text('OIDC_PII_ROLE'), 'identity-relay:pii');
/** OIDC_CLIENT_ID: Console sign-in with the IdP (authorization code + PKCE at OIDC_ISSUER). */
export const OIDC_CLIENT_ID = optional(text('OIDC_CLIENT_ID'));
/** OIDC_CLIENT_SECRET: Optional (public clients use PKCE only). */
export const OIDC_CLIENT_SECRET = optional(secret('OIDC_CLIENT_SECRET'));
/** OIDC_REDIRECT_URL: Where the IdP sends the browser back: the console's `/login/oidc/callback`. */
export const OIDC_REDIRECT_URL = optional({
  ...httpUrl('OIDC_REDIRECT_URL'),
  expect:
    'an http:// or https:// URL (the console sign-in callback, e.g. https://ops.example.org/login/oidc/callback)',
});
/** OIDC_SCOPES: Scopes the console asks for at sign-in (must include openid). */
export const OIDC_SCOPES = withDefault(text('OIDC_SCOPES'), 'openid profile email');
/** DEAD_LETTER_RETENTION_DAYS: (days) Replayed and discarded dead letters older than this are purged. */
export const DEAD_LETTER_RETENTION_DAYS = withDefault(int('DEAD_LETTER_RETENTION_DAYS', 1, 3650, 'days'), 30);
