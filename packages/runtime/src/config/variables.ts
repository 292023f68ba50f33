import type { Config, ServiceName } from './types.js';

/** Keys of Config that come straight from one environment variable. */
export type VariableKey = Exclude<keyof Config, 'service' | 'generatedSecrets'>;

/** One environment variable: its JSON Schema (applied to the raw string, with coercion) and how to explain a bad value. */
export interface VariableSpec {
  readonly env: string;
  readonly key: VariableKey;
  readonly schema: Readonly<Record<string, unknown>>;
  /** What a valid value looks like, completing "must be ...". */
  readonly expect: string;
  /** Never echo the value in problems (secrets, URLs that may carry credentials). */
  readonly sensitive?: boolean;
  /**
   * A secret this deployment chooses (API key, token, password, signing secret): in production it must not be
   * a known placeholder nor shorter than MIN_SECRET_LENGTH (see secrets.ts).
   */
  readonly secret?: boolean;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const URL_SCHEMA = { type: 'string', format: 'uri' };
// RFC 9110 token characters: what an HTTP header name may contain.
const HEADER_NAME = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
// A Standard Webhooks secret: `whsec_` + base64 of the HMAC key.
const WHSEC = '^whsec_[A-Za-z0-9+/]+={0,2}$';
// A trait name or dotted path into traits, e.g. `user_type` or `profile.role`.
const TRAIT_PATH = '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$';
// Express's `trust proxy`: a hop count, or proxy addresses, CIDRs and the names loopback/linklocal/uniquelocal.
const TRUST_PROXY = '^\\s*([0-9]{1,2}|[0-9A-Za-z.:/]+(\\s*,\\s*[0-9A-Za-z.:/]+)*)\\s*$';
// Comma-separated positive integers; each value's upper bound is checked after parsing.
const DELAY_LIST = '^\\s*[1-9][0-9]*(\\s*,\\s*[1-9][0-9]*)*\\s*$';

/** Default HEALTH_PORT per service; ingress and ops answer /healthz on their own port. */
export const DEFAULT_HEALTH_PORT: Readonly<Record<ServiceName, number>> = {
  ingress: 0,
  'identity-sync': 8082,
  subscribers: 8083,
  notifier: 8084,
  ops: 0,
  cli: 0,
  reconciler: 8085,
};

function int(min: number, max: number, fallback?: number): Record<string, unknown> {
  return {
    type: 'integer',
    minimum: min,
    maximum: max,
    ...(fallback === undefined ? {} : { default: fallback }),
  };
}

function port(fallback: number): Record<string, unknown> {
  return int(0, 65535, fallback);
}

function secret(env: string, key: VariableKey): VariableSpec {
  return {
    env,
    key,
    schema: { type: 'string' },
    expect: 'a non-empty string',
    sensitive: true,
    secret: true,
  };
}

function signingSecret(env: string, key: VariableKey): VariableSpec {
  return {
    env,
    key,
    schema: { type: 'string', pattern: WHSEC },
    expect: 'a whsec_<base64> secret',
    sensitive: true,
    secret: true,
  };
}

function text(env: string, key: VariableKey, fallback?: string): VariableSpec {
  const schema = { type: 'string', minLength: 1, ...(fallback === undefined ? {} : { default: fallback }) };
  return { env, key, schema, expect: 'a non-empty string' };
}

/** Every variable the loader reads, in the order `.env.example` documents them. */
export const VARIABLES: readonly VariableSpec[] = [
  {
    env: 'NODE_ENV',
    key: 'nodeEnv',
    schema: { type: 'string', enum: ['development', 'production', 'test'], default: 'development' },
    expect: 'one of development, production, test',
  },
  {
    env: 'LOG_LEVEL',
    key: 'logLevel',
    schema: { type: 'string', enum: LOG_LEVELS, default: 'info' },
    expect: `one of ${LOG_LEVELS.join(', ')}`,
  },
  {
    env: 'AMQP_URL',
    key: 'amqpUrl',
    // Each entry is checked in crossCheck (parseBrokerUrls), which says which one is wrong.
    schema: { type: 'string', pattern: '^\\s*amqps?://', default: 'amqp://guest:guest@127.0.0.1:5672' },
    expect: 'an amqp:// or amqps:// URL, or a comma-separated list of them (one per cluster node)',
    sensitive: true,
  },
  {
    env: 'QUORUM_QUEUE_REPLICAS',
    key: 'quorumQueueReplicas',
    schema: int(1, 99, 3),
    expect: 'an integer from 1 to 99 (members of each quorum queue)',
  },
  {
    env: 'DATABASE_URL',
    key: 'databaseUrl',
    schema: {
      ...URL_SCHEMA,
      pattern: '^postgres(ql)?://',
      default: 'postgresql://postgres@127.0.0.1:5432/identity_relay',
    },
    expect: 'a postgres:// or postgresql:// URL',
    sensitive: true,
  },
  {
    env: 'DATABASE_DIRECT_URL',
    key: 'databaseDirectUrl',
    schema: { ...URL_SCHEMA, pattern: '^postgres(ql)?://' },
    expect: 'a postgres:// or postgresql:// URL',
    sensitive: true,
  },
  { env: 'DB_POOL_MAX', key: 'dbPoolMax', schema: int(1, 200, 10), expect: 'an integer from 1 to 200' },
  text('HOST', 'host', '0.0.0.0'),
  {
    env: 'TRUST_PROXY',
    key: 'trustProxy',
    schema: { type: 'string', pattern: TRUST_PROXY },
    expect:
      'a number of proxy hops, or a comma-separated list of proxy addresses/CIDRs (or loopback, linklocal, uniquelocal)',
  },
  { env: 'INGRESS_PORT', key: 'ingressPort', schema: port(8080), expect: 'a port number from 0 to 65535' },
  { env: 'OPS_PORT', key: 'opsPort', schema: port(8081), expect: 'a port number from 0 to 65535' },
  // Its default depends on the service; the loader fills it in per service.
  { env: 'HEALTH_PORT', key: 'healthPort', schema: int(0, 65535), expect: 'a port number from 0 to 65535' },
  secret('KRATOS_API_KEY', 'kratosApiKey'),
  {
    env: 'KRATOS_API_KEY_HEADER',
    key: 'kratosApiKeyHeader',
    schema: { type: 'string', pattern: HEADER_NAME, default: 'X-Api-Key' },
    expect: 'an HTTP header name',
  },
  text('KRATOS_BASIC_USER', 'kratosBasicUser'),
  secret('KRATOS_BASIC_PASSWORD', 'kratosBasicPassword'),
  signingSecret('KRATOS_WEBHOOK_SECRET', 'kratosWebhookSecret'),
  secret('AUTHENTIK_WEBHOOK_TOKEN', 'authentikWebhookToken'),
  signingSecret('AUTHENTIK_WEBHOOK_SECRET', 'authentikWebhookSecret'),
  {
    env: 'AUTHENTIK_URL',
    key: 'authentikUrl',
    schema: { ...URL_SCHEMA, pattern: '^https?://' },
    expect: 'an http:// or https:// URL',
  },
  secret('AUTHENTIK_TOKEN', 'authentikToken'),
  {
    env: 'AUTHENTIK_TIMEOUT_MS',
    key: 'authentikTimeoutMs',
    schema: int(1, 120_000, 5000),
    expect: 'an integer from 1 to 120000 (milliseconds)',
  },
  {
    env: 'AUTHENTIK_CONCURRENCY',
    key: 'authentikConcurrency',
    schema: int(1, 256, 8),
    expect: 'an integer from 1 to 256 (requests in flight)',
  },
  {
    env: 'KRATOS_ADMIN_URL',
    key: 'kratosAdminUrl',
    schema: { ...URL_SCHEMA, pattern: '^https?://' },
    expect: 'an http:// or https:// URL',
  },
  secret('KRATOS_ADMIN_TOKEN', 'kratosAdminToken'),
  {
    env: 'RECONCILE_INTERVAL',
    key: 'reconcileInterval',
    schema: { type: 'string', pattern: '^[1-9][0-9]{0,5}(s|m|h|d)$' },
    expect: 'a duration such as 90s, 30m, 6h or 1d',
  },
  {
    env: 'RECONCILE_MAX_DELETE_RATIO',
    key: 'reconcileMaxDeleteRatio',
    schema: { type: 'number', minimum: 0, maximum: 1, default: 0.1 },
    expect: 'a number from 0 to 1',
  },
  {
    env: 'RECONCILE_PAGE_SIZE',
    key: 'reconcilePageSize',
    schema: int(1, 1000, 250),
    expect: 'an integer from 1 to 1000',
  },
  secret('HOOKS_API_KEY', 'hooksApiKey'),
  signingSecret('HOOKS_WEBHOOK_SECRET', 'hooksWebhookSecret'),
  text('POLICY_FILE', 'policyFile'),
  secret('NOTIFY_API_KEY', 'notifyApiKey'),
  text('SUBSCRIBER_RULES_FILE', 'subscriberRulesFile'),
  {
    env: 'SUBSCRIBER_TYPE_TRAIT',
    key: 'subscriberTypeTrait',
    schema: { type: 'string', pattern: TRAIT_PATH, default: 'type' },
    expect: 'a trait name or dotted path (letters, digits, _ and -)',
  },
  {
    env: 'SMTP_URL',
    key: 'smtpUrl',
    schema: { ...URL_SCHEMA, pattern: '^smtps?://' },
    expect: 'an smtp:// or smtps:// URL',
    sensitive: true,
  },
  text('MAIL_FROM', 'mailFrom', 'identity-relay <no-reply@localhost>'),
  text('MAIL_DIR', 'mailDir', './var/mail'),
  {
    env: 'PUBLIC_BASE_URL',
    key: 'publicBaseUrl',
    schema: { ...URL_SCHEMA, pattern: '^https?://[^?#]*$' },
    expect: 'an http:// or https:// URL without query or fragment',
  },
  secret('UNSUBSCRIBE_SECRET', 'unsubscribeSecret'),
  {
    env: 'UNSUBSCRIBE_MAILTO',
    key: 'unsubscribeMailto',
    schema: { type: 'string', pattern: '^[^\\s<>,;:"()\\[\\]\\\\@]+@[^\\s<>,;:"()\\[\\]\\\\@?]+$' },
    expect: 'one email address (where unsubscribe mails go)',
  },
  {
    env: 'SMTP_MAX_CONNECTIONS',
    key: 'smtpMaxConnections',
    schema: int(1, 100, 5),
    expect: 'an integer from 1 to 100',
  },
  {
    env: 'SMTP_TIMEOUT_MS',
    key: 'smtpTimeoutMs',
    schema: int(1000, 600_000, 30_000),
    expect: 'an integer from 1000 to 600000 (milliseconds)',
  },
  {
    env: 'MAIL_RATE_PER_SECOND',
    key: 'mailRatePerSecond',
    schema: int(1, 100_000, 20),
    expect: 'an integer from 1 to 100000 (emails per second)',
  },
  secret('OPS_TOKEN', 'opsToken'),
  {
    env: 'OIDC_ISSUER',
    key: 'oidcIssuer',
    schema: { ...URL_SCHEMA, pattern: '^https?://' },
    expect: 'an http:// or https:// URL',
  },
  text('OIDC_AUDIENCE', 'oidcAudience'),
  {
    env: 'OIDC_JWKS_URL',
    key: 'oidcJwksUrl',
    schema: { ...URL_SCHEMA, pattern: '^https?://' },
    expect: 'an http:// or https:// URL',
  },
  text('OIDC_ROLE_CLAIM', 'oidcRoleClaim', 'roles'),
  text('OIDC_READ_ROLE', 'oidcReadRole', 'identity-relay:read'),
  text('OIDC_OPERATOR_ROLE', 'oidcOperatorRole', 'identity-relay:operator'),
  text('OIDC_PII_ROLE', 'oidcPiiRole', 'identity-relay:pii'),
  text('OIDC_CLIENT_ID', 'oidcClientId'),
  secret('OIDC_CLIENT_SECRET', 'oidcClientSecret'),
  {
    env: 'OIDC_REDIRECT_URL',
    key: 'oidcRedirectUrl',
    schema: { ...URL_SCHEMA, pattern: '^https?://' },
    expect:
      'an http:// or https:// URL (the console sign-in callback, e.g. https://ops.example.org/login/oidc/callback)',
  },
  text('OIDC_SCOPES', 'oidcScopes', 'openid profile email'),
  {
    env: 'DEAD_LETTER_RETENTION_DAYS',
    key: 'deadLetterRetentionDays',
    schema: int(1, 3650, 30),
    expect: 'an integer from 1 to 3650 (days)',
  },
  {
    env: 'RETRY_DELAYS_MS',
    key: 'retryDelaysMs',
    schema: { type: 'string', pattern: DELAY_LIST, default: '1000,10000,60000' },
    expect: 'a comma-separated list of positive integers (milliseconds)',
  },
  { env: 'PREFETCH', key: 'prefetch', schema: int(1, 10_000, 50), expect: 'an integer from 1 to 10000' },
  { env: 'BATCH_SIZE', key: 'batchSize', schema: int(1, 5000, 200), expect: 'an integer from 1 to 5000' },
  {
    env: 'BATCH_WAIT_MS',
    key: 'batchWaitMs',
    schema: int(0, 60_000, 10),
    expect: 'an integer from 0 to 60000 (milliseconds)',
  },
  {
    env: 'PUBLISH_TIMEOUT_MS',
    key: 'publishTimeoutMs',
    schema: int(1, 300_000, 5000),
    expect: 'an integer from 1 to 300000 (milliseconds)',
  },
  {
    env: 'SHUTDOWN_GRACE_MS',
    key: 'shutdownGraceMs',
    schema: int(0, 3_600_000, 10_000),
    expect: 'an integer from 0 to 3600000 (milliseconds)',
  },
  {
    env: 'BODY_LIMIT_BYTES',
    key: 'bodyLimitBytes',
    schema: int(1, 104_857_600, 1_048_576),
    expect: 'an integer from 1 to 104857600 (bytes)',
  },
  secret('METRICS_TOKEN', 'metricsToken'),
  {
    env: 'HTTP_HEADERS_TIMEOUT_MS',
    key: 'httpHeadersTimeoutMs',
    schema: int(1000, 600_000, 10_000),
    expect: 'an integer from 1000 to 600000 (milliseconds)',
  },
  {
    env: 'HTTP_REQUEST_TIMEOUT_MS',
    key: 'httpRequestTimeoutMs',
    schema: int(1000, 3_600_000, 30_000),
    expect: 'an integer from 1000 to 3600000 (milliseconds)',
  },
  {
    env: 'HTTP_MAX_CONNECTIONS',
    key: 'httpMaxConnections',
    schema: int(1, 1_000_000, 1000),
    expect: 'an integer from 1 to 1000000 (connections)',
  },
  {
    env: 'AUTH_FAILURES_PER_MINUTE',
    key: 'authFailuresPerMinute',
    schema: int(1, 1_000_000, 30),
    expect: 'an integer from 1 to 1000000 (failed attempts per minute)',
  },
  {
    env: 'RATE_LIMIT_PER_SECOND',
    key: 'rateLimitPerSecond',
    schema: int(1, 1_000_000),
    expect: 'an integer from 1 to 1000000 (requests per second)',
  },
  {
    env: 'RATE_LIMIT_BURST',
    key: 'rateLimitBurst',
    schema: int(1, 10_000_000),
    expect: 'an integer from 1 to 10000000 (requests)',
  },
];

/** Longest single retry delay (one day); RabbitMQ's x-message-ttl and timers both stay far below their limits. */
export const MAX_RETRY_DELAY_MS = 86_400_000;
