export {
  createDeadLetterArchive,
  DEAD_QUEUES,
  type DeadLetterArchive,
  type DeadLetterArchiveDeps,
} from './archive/archive.js';
export { parseDeadLetter, workQueueOf, type DeadLetterRecord } from './archive/parse.js';
export { fingerprintOf, normalizeErrorMessage } from './archive/fingerprint.js';
export {
  DeadLetterActions,
  type Action,
  type BulkRequest,
  type BulkResult,
  type Publisher,
} from './store/actions.js';
export {
  DeadLetterRepository,
  type AuditEntry,
  type DeadLetterCounts,
  type Page,
} from './store/repository.js';
export { parseFilter, STATUSES, type DeadLetterFilter, type Status } from './store/filter.js';
export { replayMessage, REPLAY_HEADERS } from './store/replay-message.js';
export type { DeadLetterDetail, DeadLetterGroup, DeadLetterItem } from './store/views.js';
export { startRetention, type RetentionOptions } from './retention.js';
export { BadRequestError, ConflictError, InvalidMessageError, NotFoundError } from './errors.js';
export { createOpsApp, type OpsAppDeps } from './http/app.js';
export {
  createAuthenticator,
  credentialFingerprint,
  AuthError,
  AuthUnavailableError,
  type Authenticator,
  type AuthOptions,
  type OidcOptions,
  type Principal,
} from './auth/authenticator.js';
export {
  SessionStore,
  principalOfSession,
  type Session,
  type SessionGrant,
  type SessionStoreOptions,
} from './auth/sessions.js';
export {
  OidcSignIn,
  OidcSignInError,
  OidcUnavailableError,
  type OidcSignInOptions,
} from './auth/oidc-sign-in.js';
export {
  GRANTS,
  grantsOfClaims,
  seesPersonalData,
  type Grant,
  type Role,
  type RoleMapping,
} from './auth/roles.js';
export { ConsoleSessions, type CurrentSession } from './console/session.js';
export { OpsService, type QueueStats, type Stats } from './ops-service.js';
export { authOptionsFrom, createOps, oidcSignInFrom } from './wiring.js';
export { buildOpsOpenApi, type OpsOpenApiOptions } from './http/openapi.js';
export { API_ROUTES, expressPath, type ApiRoute } from './http/route-table.js';
export {
  IdentityRepository,
  type IdentityItem,
  type IdentityQuery,
  type Timeline,
} from './identities/repository.js';
export { IdentityService } from './identities/service.js';
export type { TimelineEntry, FieldChange } from './identities/timeline.js';
export { AuditLog, type AuditItem, type AuditPage } from './audit/audit-log.js';
export { ErasureService, type ErasureCounts, type ErasureResult } from './erasure/erasure.js';
export { registerStateGauges } from './metrics/state-gauges.js';
