import type { AnyVariable, ConfigOf, VariableSet } from './variable.js';
import * as v from './variables.js';

/*
 * Groups of variables that several processes read, and the variable set of each process composed from them.
 * A process validates its own set only: the ingress starts whatever SMTP_TIMEOUT_MS says, since it never
 * sends mail. The keys are the configuration's field names; the types follow from the variables.
 */

/** Every long-running process. */
const processGroup = { nodeEnv: v.NODE_ENV, logLevel: v.LOG_LEVEL, shutdownGraceMs: v.SHUTDOWN_GRACE_MS };

/** Processes that connect to RabbitMQ and declare the topology. */
const brokerGroup = {
  amqpUrl: v.AMQP_URL,
  quorumQueueReplicas: v.QUORUM_QUEUE_REPLICAS,
  retryDelaysMs: v.RETRY_DELAYS_MS,
};

/** Processes that publish with a confirm deadline of their own (ingress, outbox relay, ops, reconciliation). */
const publishGroup = { publishTimeoutMs: v.PUBLISH_TIMEOUT_MS };

/** Processes with a pg pool (migrations go through the direct URL when set). */
const databaseGroup = {
  databaseUrl: v.DATABASE_URL,
  databaseDirectUrl: v.DATABASE_DIRECT_URL,
  dbPoolMax: v.DB_POOL_MAX,
};

/** Every HTTP listener (the ingress, ops and each worker's health server) and its /metrics. */
const httpGroup = {
  host: v.HOST,
  httpHeadersTimeoutMs: v.HTTP_HEADERS_TIMEOUT_MS,
  httpRequestTimeoutMs: v.HTTP_REQUEST_TIMEOUT_MS,
  httpMaxConnections: v.HTTP_MAX_CONNECTIONS,
  metricsToken: v.METRICS_TOKEN,
};

/** Listeners reachable by clients that authenticate (the ingress and ops). */
const publicHttpGroup = { trustProxy: v.TRUST_PROXY, authFailuresPerMinute: v.AUTH_FAILURES_PER_MINUTE };

/** Where sent mail is found: the maildir unless SMTP_URL is set (the notifier writes, ops reads). */
const mailboxGroup = { smtpUrl: v.SMTP_URL, mailDir: v.MAIL_DIR };

/** Authentik's API: identity-sync enriches users with it, reconciliation lists them. */
const authentikApiGroup = { authentikUrl: v.AUTHENTIK_URL, authentikToken: v.AUTHENTIK_TOKEN };

/** A reconciliation run (the reconciler on schedule, ops and the CLI on demand). */
const reconcileGroup = {
  ...publishGroup,
  ...authentikApiGroup,
  kratosAdminUrl: v.KRATOS_ADMIN_URL,
  kratosAdminToken: v.KRATOS_ADMIN_TOKEN,
  reconcileMaxDeleteRatio: v.RECONCILE_MAX_DELETE_RATIO,
  reconcilePageSize: v.RECONCILE_PAGE_SIZE,
};

/** A worker hosted by packages/worker-host, whose /healthz /readyz /metrics answer on `healthPort`. */
const workerGroup = (healthPort: number) => ({
  ...processGroup,
  ...brokerGroup,
  ...databaseGroup,
  ...httpGroup,
  healthPort: v.healthPort(healthPort),
});

/** Processes that consume a queue: unacknowledged messages per consumer. */
const consumerGroup = { prefetch: v.PREFETCH };

/** Workers that apply messages in transactions of BATCH_SIZE. */
const batchGroup = { batchSize: v.BATCH_SIZE, batchWaitMs: v.BATCH_WAIT_MS };

const ingress = {
  ...processGroup,
  ...brokerGroup,
  ...publishGroup,
  ...httpGroup,
  ...publicHttpGroup,
  ingressPort: v.INGRESS_PORT,
  bodyLimitBytes: v.BODY_LIMIT_BYTES,
  rateLimitPerSecond: v.RATE_LIMIT_PER_SECOND,
  rateLimitBurst: v.RATE_LIMIT_BURST,
  kratosApiKey: v.KRATOS_API_KEY,
  kratosApiKeyHeader: v.KRATOS_API_KEY_HEADER,
  kratosBasicUser: v.KRATOS_BASIC_USER,
  kratosBasicPassword: v.KRATOS_BASIC_PASSWORD,
  kratosWebhookSecret: v.KRATOS_WEBHOOK_SECRET,
  authentikWebhookToken: v.AUTHENTIK_WEBHOOK_TOKEN,
  authentikWebhookSecret: v.AUTHENTIK_WEBHOOK_SECRET,
  hooksApiKey: v.HOOKS_API_KEY,
  hooksWebhookSecret: v.HOOKS_WEBHOOK_SECRET,
  policyFile: v.POLICY_FILE,
  notifyApiKey: v.NOTIFY_API_KEY,
  unsubscribeSecret: v.UNSUBSCRIBE_SECRET,
};

const identitySync = {
  ...workerGroup(8082),
  ...consumerGroup,
  ...publishGroup,
  ...batchGroup,
  ...authentikApiGroup,
  authentikTimeoutMs: v.AUTHENTIK_TIMEOUT_MS,
  authentikConcurrency: v.AUTHENTIK_CONCURRENCY,
};

const subscribers = {
  ...workerGroup(8083),
  ...consumerGroup,
  ...batchGroup,
  subscriberRulesFile: v.SUBSCRIBER_RULES_FILE,
  subscriberTypeTrait: v.SUBSCRIBER_TYPE_TRAIT,
};

const notifier = {
  ...workerGroup(8084),
  ...consumerGroup,
  ...mailboxGroup,
  smtpMaxConnections: v.SMTP_MAX_CONNECTIONS,
  smtpTimeoutMs: v.SMTP_TIMEOUT_MS,
  mailRatePerSecond: v.MAIL_RATE_PER_SECOND,
  mailFrom: v.MAIL_FROM,
  unsubscribeSecret: v.UNSUBSCRIBE_SECRET,
  unsubscribeMailto: v.UNSUBSCRIBE_MAILTO,
  // PUBLIC_BASE_URL defaults to the local ingress outside production, hence INGRESS_PORT.
  ingressPort: v.INGRESS_PORT,
  publicBaseUrl: v.PUBLIC_BASE_URL,
};

const reconciler = {
  ...workerGroup(8085),
  ...reconcileGroup,
  reconcileInterval: v.RECONCILE_INTERVAL,
};

/** The ops CLI: one-off commands against the database and the broker (it logs nothing). */
const cli = { nodeEnv: v.NODE_ENV, ...brokerGroup, ...databaseGroup, ...reconcileGroup, ...mailboxGroup };

const ops = {
  ...processGroup,
  ...cli,
  ...httpGroup,
  ...publicHttpGroup,
  ...consumerGroup,
  opsPort: v.OPS_PORT,
  deadLetterRetentionDays: v.DEAD_LETTER_RETENTION_DAYS,
  opsToken: v.OPS_TOKEN,
  oidcIssuer: v.OIDC_ISSUER,
  oidcAudience: v.OIDC_AUDIENCE,
  oidcJwksUrl: v.OIDC_JWKS_URL,
  oidcRoleClaim: v.OIDC_ROLE_CLAIM,
  oidcReadRole: v.OIDC_READ_ROLE,
  oidcOperatorRole: v.OIDC_OPERATOR_ROLE,
  oidcPiiRole: v.OIDC_PII_ROLE,
  oidcClientId: v.OIDC_CLIENT_ID,
  oidcClientSecret: v.OIDC_CLIENT_SECRET,
  oidcRedirectUrl: v.OIDC_REDIRECT_URL,
  oidcScopes: v.OIDC_SCOPES,
};

/** Every process that loads configuration. */
export const SERVICE_NAMES = [
  'ingress',
  'identity-sync',
  'subscribers',
  'notifier',
  'ops',
  'cli',
  'reconciler',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The variable set of each process that loads configuration. */
export const SERVICE_VARIABLES = {
  ingress,
  'identity-sync': identitySync,
  subscribers,
  notifier,
  ops,
  cli,
  reconciler,
} as const satisfies Readonly<Record<ServiceName, VariableSet>>;

/**
 * The validated, frozen configuration of service `S`: one field per variable of its set (see services.ts and
 * `.env.example`), plus which service it was loaded for and the secrets generated for this run (development
 * and test only, keyed by variable name, so `main` can announce them once; empty in production).
 */
export type ConfigFor<S extends ServiceName> = ConfigOf<(typeof SERVICE_VARIABLES)[S]> & {
  readonly service: S;
  readonly generatedSecrets: Readonly<Record<string, string>>;
};

export type IngressConfig = ConfigFor<'ingress'>;
export type IdentitySyncConfig = ConfigFor<'identity-sync'>;
export type SubscribersConfig = ConfigFor<'subscribers'>;
export type NotifierServiceConfig = ConfigFor<'notifier'>;
export type OpsConfig = ConfigFor<'ops'>;
export type CliConfig = ConfigFor<'cli'>;
export type ReconcilerServiceConfig = ConfigFor<'reconciler'>;
/** What packages/worker-host needs of every hosted worker's configuration. */
export type WorkerProcessConfig = ConfigOf<ReturnType<typeof workerGroup>>;

/** The variables `service` reads, in its set's order. */
export function variablesOf(service: ServiceName): readonly AnyVariable[] {
  return Object.values(SERVICE_VARIABLES[service]);
}

/** Every variable some process reads, once per name (HEALTH_PORT: the first worker's, whose default differs). */
export const ALL_VARIABLES: readonly AnyVariable[] = SERVICE_NAMES.flatMap(variablesOf).filter(
  (variable, i, all) => all.findIndex((other) => other.env === variable.env) === i,
);
