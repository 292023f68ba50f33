/** Every process that loads configuration. Decides required secrets and the default HEALTH_PORT. */
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

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * The validated, frozen configuration of one process. Built only by `loadConfig`; everything else
 * receives it as a parameter. `.env.example` at the repository root documents each variable.
 */
export interface Config {
  /** Which process this configuration was loaded for. */
  readonly service: ServiceName;
  /** NODE_ENV (default=development). `production` refuses to generate missing secrets. */
  readonly nodeEnv: NodeEnv;
  /** LOG_LEVEL (default=info). At debug/trace, email addresses are no longer masked in logs. */
  readonly logLevel: LogLevel;
  /**
   * AMQP_URL (default=amqp://guest:guest@127.0.0.1:5672). One URL, or one per cluster node separated
   * by commas (same vhost): the bus connects to one and moves to the next live one when it is lost.
   */
  readonly amqpUrl: string;
  /**
   * QUORUM_QUEUE_REPLICAS (default=3, 1..99) Members of each quorum queue (`x-quorum-initial-group-size`)
   * when it is created; a cluster with fewer nodes gets one per node.
   */
  readonly quorumQueueReplicas: number;
  /** DATABASE_URL (default=postgresql://postgres@127.0.0.1:5432/identity_relay). May point at a pooler. */
  readonly databaseUrl: string;
  /**
   * DATABASE_DIRECT_URL A direct connection (not through PgBouncer) to the same database, used only to
   * create the database and run migrations; DATABASE_URL when unset.
   */
  readonly databaseDirectUrl?: string;
  /** DB_POOL_MAX (default=10, 1..200) Max connections in this process's pg pool. */
  readonly dbPoolMax: number;
  /** HOST (default=0.0.0.0) Bind address of every HTTP listener of this process. */
  readonly host: string;
  /**
   * TRUST_PROXY (default=unset: trust no proxy) Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: a hop
   * count or addresses/CIDRs (Express `trust proxy` syntax). Decides the client address and whether a request was https.
   */
  readonly trustProxy?: string;
  /** INGRESS_PORT (default=8080, 0..65535). */
  readonly ingressPort: number;
  /** OPS_PORT (default=8081, 0..65535). */
  readonly opsPort: number;
  /**
   * HEALTH_PORT (0..65535) Port of a worker's /healthz /readyz /metrics server; 0 = any free port.
   * Default per service: identity-sync 8082, subscribers 8083, notifier 8084, others 0 (ingress
   * and ops serve those endpoints on their own port).
   */
  readonly healthPort: number;
  /** KRATOS_API_KEY Shared key Kratos sends in `kratosApiKeyHeader`. */
  readonly kratosApiKey?: string;
  /** KRATOS_API_KEY_HEADER (default=X-Api-Key). */
  readonly kratosApiKeyHeader: string;
  /** KRATOS_BASIC_USER / KRATOS_BASIC_PASSWORD HTTP basic alternative to the API key (both or neither). */
  readonly kratosBasicUser?: string;
  readonly kratosBasicPassword?: string;
  /**
   * KRATOS_WEBHOOK_SECRET `whsec_...` Standard Webhooks secret. Kratos cannot sign; set it when a proxy in
   * front of the ingress signs Kratos' calls: a valid signature then authenticates them too.
   */
  readonly kratosWebhookSecret?: string;
  /** AUTHENTIK_WEBHOOK_TOKEN Bearer token Authentik's webhook transport sends. */
  readonly authentikWebhookToken?: string;
  /** AUTHENTIK_WEBHOOK_SECRET `whsec_...` Standard Webhooks secret of a signing proxy in front of Authentik. */
  readonly authentikWebhookSecret?: string;
  /** AUTHENTIK_URL / AUTHENTIK_TOKEN Authentik API for identity-sync's user enrichment (both or neither). */
  readonly authentikUrl?: string;
  readonly authentikToken?: string;
  /** AUTHENTIK_TIMEOUT_MS (default=5000, 1..120000) Timeout of one Authentik API call, in milliseconds. */
  readonly authentikTimeoutMs: number;
  /**
   * AUTHENTIK_CONCURRENCY (default=8, 1..256) Authentik API calls in flight at once per identity-sync process;
   * a batch of AuthentikUserChanged waits its turn instead of sending one call per message at once.
   */
  readonly authentikConcurrency: number;
  /**
   * KRATOS_ADMIN_URL Kratos' admin API base URL (the name Kratos' own CLI reads), e.g. `http://kratos:4434`; the
   * reconciler lists identities there. Unset = Kratos is not reconciled.
   */
  readonly kratosAdminUrl?: string;
  /** KRATOS_ADMIN_TOKEN Sent as `Authorization: Bearer` to the admin API (an `ory_pat_…` on the Ory Network). */
  readonly kratosAdminToken?: string;
  /**
   * RECONCILE_INTERVAL How often the reconciler compares each configured IdP with `identities`, as `<n>s|m|h|d`
   * (e.g. `6h`). Unset = no scheduled runs (the CLI and the ops API still start runs).
   */
  readonly reconcileInterval?: string;
  /**
   * RECONCILE_MAX_DELETE_RATIO (default=0.1, 0..1) A run that would tombstone more than this share of a provider's
   * live identities refuses unless forced: an admin URL answering an empty list must not delete everybody.
   */
  readonly reconcileMaxDeleteRatio: number;
  /** RECONCILE_PAGE_SIZE (default=250, 1..1000) Identities asked for per admin-API page (Authentik may cap it lower). */
  readonly reconcilePageSize: number;
  /** HOOKS_API_KEY Key for /hooks/pre-signup and /hooks/pre-login. */
  readonly hooksApiKey?: string;
  /** HOOKS_WEBHOOK_SECRET `whsec_...` Standard Webhooks secret for signed calls of the policy hooks. */
  readonly hooksWebhookSecret?: string;
  /** POLICY_FILE Path of the pre-signup/pre-login policy (YAML or JSON). */
  readonly policyFile?: string;
  /** NOTIFY_API_KEY Key for POST /notifications. */
  readonly notifyApiKey?: string;
  /** SUBSCRIBER_RULES_FILE Path of the subscriber rules; unset = built-in rules. */
  readonly subscriberRulesFile?: string;
  /**
   * SUBSCRIBER_TYPE_TRAIT (default=type) Trait the built-in `educators` rule reads (`traits.<name>` equals
   * `educator`); a dotted path reaches nested traits. Kratos schemas with a `user_type` trait set `user_type`.
   */
  readonly subscriberTypeTrait: string;
  /** SMTP_URL smtp(s)://; unset = write .eml files into `mailDir`. */
  readonly smtpUrl?: string;
  /** MAIL_FROM (default=identity-relay <no-reply@localhost>). */
  readonly mailFrom: string;
  /** MAIL_DIR (default=./var/mail). */
  readonly mailDir: string;
  /**
   * PUBLIC_BASE_URL Where the ingress is reachable from the recipients' mail clients; unsubscribe links are
   * `<PUBLIC_BASE_URL>/unsubscribe/<token>`. Required in production for the notifier; otherwise
   * `http://localhost:<INGRESS_PORT>`.
   */
  readonly publicBaseUrl: string;
  /**
   * UNSUBSCRIBE_SECRET HMAC key(s) of unsubscribe tokens, comma-separated: the first signs, every one verifies
   * (rotation). The ingress and the notifier need the same value. Required in production; generated otherwise.
   */
  readonly unsubscribeSecret?: string;
  /** UNSUBSCRIBE_MAILTO Optional address for the `mailto:` form of List-Unsubscribe (RFC 2369). */
  readonly unsubscribeMailto?: string;
  /** SMTP_MAX_CONNECTIONS (default=5, 1..100) Pooled SMTP connections, which is also how many emails are sent at once. */
  readonly smtpMaxConnections: number;
  /** SMTP_TIMEOUT_MS (default=30000, 1000..600000) Connect, greeting and socket-idle timeout of SMTP, in milliseconds. */
  readonly smtpTimeoutMs: number;
  /** MAIL_RATE_PER_SECOND (default=20, 1..100000) Most emails the notifier sends per second (per process). */
  readonly mailRatePerSecond: number;
  /** OPS_TOKEN Static bearer token of the ops API (required unless OIDC_ISSUER is set). */
  readonly opsToken?: string;
  /** OIDC_ISSUER / OIDC_AUDIENCE Accept ops API JWTs from this issuer for this audience. */
  readonly oidcIssuer?: string;
  readonly oidcAudience?: string;
  /** OIDC_JWKS_URL Where the issuer's signing keys are; unset = the `jwks_uri` of its discovery document. */
  readonly oidcJwksUrl?: string;
  /** OIDC_ROLE_CLAIM (default=roles) JWT claim holding the roles or groups; dots reach nested claims (`realm_access.roles`). */
  readonly oidcRoleClaim: string;
  /** OIDC_READ_ROLE (default=identity-relay:read) Role or group allowed to read the ops API and console. */
  readonly oidcReadRole: string;
  /** OIDC_OPERATOR_ROLE (default=identity-relay:operator) Role or group allowed to replay and discard too. */
  readonly oidcOperatorRole: string;
  /** OIDC_PII_ROLE (default=identity-relay:pii) Role or group that lets a read-only user see personal data unmasked. */
  readonly oidcPiiRole: string;
  /**
   * OIDC_CLIENT_ID / OIDC_CLIENT_SECRET / OIDC_REDIRECT_URL Console sign-in with the identity provider (authorization
   * code + PKCE, at OIDC_ISSUER). The secret is optional (public clients); the redirect URL is where the IdP sends
   * the browser back to, `/login/oidc/callback` of the console as the browser reaches it.
   */
  readonly oidcClientId?: string;
  readonly oidcClientSecret?: string;
  readonly oidcRedirectUrl?: string;
  /** OIDC_SCOPES (default=openid profile email) Scopes the console asks for at sign-in (add the one carrying OIDC_ROLE_CLAIM if your IdP needs it). */
  readonly oidcScopes: string;
  /** DEAD_LETTER_RETENTION_DAYS (default=30, 1..3650) Replayed and discarded dead letters older than this are purged. */
  readonly deadLetterRetentionDays: number;
  /** RETRY_DELAYS_MS (default=1000,10000,60000) One delay queue per entry, then dead-letter. */
  readonly retryDelaysMs: readonly number[];
  /** PREFETCH (default=50, 1..10000) Unacknowledged messages per consumer. */
  readonly prefetch: number;
  /**
   * BATCH_SIZE (default=200, 1..5000) Messages identity-sync (and subscribers) apply in one transaction; they consume
   * with a prefetch of at least twice this, so one batch fills while the previous one commits. Chosen from
   * the drain benchmark's sweep (docs/benchmarks.md): 25 → 2.2k, 100 → 3.5k, 200 → 4.1k, 400 → 4.5k msg/s.
   */
  readonly batchSize: number;
  /** BATCH_WAIT_MS (default=10, 0..60000) Milliseconds a partial batch waits for more messages. */
  readonly batchWaitMs: number;
  /** PUBLISH_TIMEOUT_MS (default=5000, 1..300000) How long to wait for a broker confirm. */
  readonly publishTimeoutMs: number;
  /** SHUTDOWN_GRACE_MS (default=10000, 0..3600000) Time allowed for a graceful shutdown. */
  readonly shutdownGraceMs: number;
  /** BODY_LIMIT_BYTES (default=1048576, 1..104857600) Largest request body the ingress accepts. */
  readonly bodyLimitBytes: number;
  /**
   * METRICS_TOKEN Optional bearer token `/metrics` requires on every listener (ingress, ops, workers); unset = open,
   * for a Prometheus that scrapes inside the cluster. Set it when a metrics port is reachable by anyone else.
   */
  readonly metricsToken?: string;
  /** HTTP_HEADERS_TIMEOUT_MS (default=10000, 1000..600000) Time a client has to send its request headers, every HTTP listener. */
  readonly httpHeadersTimeoutMs: number;
  /** HTTP_REQUEST_TIMEOUT_MS (default=30000, 1000..3600000) Time a client has to send a whole request, body included. */
  readonly httpRequestTimeoutMs: number;
  /** HTTP_MAX_CONNECTIONS (default=1000, 1..1000000) Open connections per HTTP listener; more are closed at once. */
  readonly httpMaxConnections: number;
  /**
   * AUTH_FAILURES_PER_MINUTE (default=30, 1..1000000) Failed authentications one client address may make per
   * minute (the same number at once) before further failures are answered 429; valid credentials still pass.
   */
  readonly authFailuresPerMinute: number;
  /**
   * RATE_LIMIT_PER_SECOND (1..1000000) Optional quota per credential (Kratos, Authentik, hooks, notify key):
   * sustained requests per second; RATE_LIMIT_BURST (1..10000000, default = the rate) at once. Unset: authenticated
   * traffic is never throttled (backpressure is the broker's: 503 when it cannot confirm). In memory per replica.
   */
  readonly rateLimitPerSecond?: number;
  readonly rateLimitBurst?: number;
  /**
   * Secrets that were missing and generated for this run (development/test only), keyed by env
   * variable name, so `main` can print them once. Empty in production.
   */
  readonly generatedSecrets: Readonly<Record<string, string>>;
}

/** Config keys a service can rely on being set (the loader refuses or generates them). */
export interface GuaranteedSecrets {
  ingress: 'hooksApiKey' | 'notifyApiKey' | 'authentikWebhookToken' | 'unsubscribeSecret';
  'identity-sync': never;
  subscribers: never;
  notifier: 'unsubscribeSecret';
  ops: never;
  cli: never;
  reconciler: never;
}

/** The configuration type seen by service `S`: its guaranteed secrets are non-optional. */
export type ConfigFor<S extends ServiceName> = Config & { readonly [K in GuaranteedSecrets[S]]-?: string };
