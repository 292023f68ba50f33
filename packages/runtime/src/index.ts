export * from './config/index.js';
export { createLogger, REDACT_PATHS, type CreateLoggerOptions, type Logger } from './logger.js';
export { maskEmails, sanitize, isSecretKey } from './redact.js';
export { createMetrics, METRIC_PREFIX } from './metrics.js';
export {
  createHealthHandlers,
  createHealthRouter,
  startHealthServer,
  type Handler,
  type HealthDeps,
} from './health.js';
export {
  evaluateReadiness,
  READINESS_CHECK_TIMEOUT_MS,
  type CheckOutcome,
  type Readiness,
  type ReadinessCheck,
} from './readiness.js';
export {
  installShutdown,
  type InstallShutdownOptions,
  type ShutdownEvents,
  type ShutdownHandle,
  type ShutdownStep,
} from './shutdown.js';
export {
  createHttpServer,
  DEFAULT_HTTP_LIMITS,
  exitOnStartFailure,
  httpLimitsOf,
  listenHttp,
  ListenError,
  trustProxySetting,
  type HttpLimits,
  type ListenOptions,
} from './http-server.js';
export {
  AuthFailureLimiter,
  TokenBucketLimiter,
  type AuthFailureLimiterOptions,
  type TokenBucketOptions,
} from './rate-limit.js';
export {
  asHttpError,
  fieldProblems,
  HttpError,
  httpErrorHandler,
  internalError,
  PROBLEM_CONTENT_TYPE,
  problemOf,
  problemSchema,
  problemType,
  sendHttpError,
  type ErrorFormat,
  type ErrorMiddleware,
  type FieldProblem,
  type HttpErrorHandlerOptions,
  type HttpErrorOptions,
  type ProblemDetails,
} from './http-error.js';
