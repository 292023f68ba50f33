import type { Role } from '../auth/roles.js';
import * as S from './api-schemas.js';

export type Method = 'get' | 'post' | 'delete';
export type Tag = 'dead-letters' | 'identities' | 'audit' | 'recipients' | 'reconcile' | 'operations';

export interface ApiResponse {
  description: string;
  /** JSON body schema; omitted for a body that is not JSON (`contentType`). */
  schema?: object;
  /** Media type when the body is not JSON. */
  contentType?: string;
}

/**
 * One route of the ops HTTP API, as data: http/mount.ts registers it (authentication, role, personal-data
 * grant, ajv validation of params, query and body) and http/openapi.ts documents it, so a route cannot be
 * served without being documented or documented without being served.
 */
export interface ApiRoute {
  method: Method;
  /** OpenAPI form: `{name}` segments (Express registers them as `:name`). */
  path: string;
  operationId: string;
  summary: string;
  tag: Tag;
  /** The role the bearer token needs; `public`: no token (this document). */
  access: Role | 'public';
  /** Personal data: a read-only token also needs the pii grant (operators have it). */
  personalData?: boolean;
  params?: object;
  query?: object;
  body?: { schema: object; required: boolean };
  /** Success answers by status code. */
  responses: Readonly<Record<string, ApiResponse>>;
  /** Failures this route answers besides the ones every authenticated route or input may (problem+json). */
  failures?: Readonly<Record<string, string>>;
}

const json = (description: string, schema: object): ApiResponse => ({ description, schema });
const UNKNOWN_DEAD_LETTER = { '404': 'No dead letter with that id' };

/**
 * Every route of the ops API (`/api/*`). The process' own `/healthz`, `/readyz` and `/metrics` (packages/runtime)
 * and the console's HTML pages are not part of it.
 */
export const API_ROUTES = {
  listDeadLetters: {
    method: 'get',
    path: '/api/dead-letters',
    operationId: 'listDeadLetters',
    summary: 'List dead letters, newest first',
    tag: 'dead-letters',
    access: 'read',
    query: S.deadLetterListQuery,
    responses: { '200': json('A page', S.deadLetterPage) },
  },
  groupDeadLetters: {
    method: 'get',
    path: '/api/dead-letters/groups',
    operationId: 'groupDeadLetters',
    summary: 'Dead letters grouped by fingerprint (status defaults to open)',
    tag: 'dead-letters',
    access: 'read',
    query: S.deadLetterFilterQuery,
    responses: { '200': json('Groups', S.deadLetterGroups) },
  },
  getDeadLetter: {
    method: 'get',
    path: '/api/dead-letters/{id}',
    operationId: 'getDeadLetter',
    summary: 'One dead letter with headers, body, lineage and edits',
    tag: 'dead-letters',
    access: 'read',
    params: S.idParam,
    responses: { '200': json('Detail', S.deadLetterDetail) },
    failures: UNKNOWN_DEAD_LETTER,
  },
  bulkReplay: {
    method: 'post',
    path: '/api/dead-letters/replay',
    operationId: 'bulkReplayDeadLetters',
    summary: 'Bulk replay by filter, or count and sample with dryRun',
    tag: 'dead-letters',
    access: 'operator',
    body: { schema: S.bulkBody, required: true },
    responses: { '200': json('Result', S.bulkResult) },
  },
  bulkDiscard: {
    method: 'post',
    path: '/api/dead-letters/discard',
    operationId: 'bulkDiscardDeadLetters',
    summary: 'Bulk discard by filter, or count and sample with dryRun',
    tag: 'dead-letters',
    access: 'operator',
    body: { schema: S.bulkBody, required: true },
    responses: { '200': json('Result', S.bulkResult) },
  },
  replayDeadLetter: {
    method: 'post',
    path: '/api/dead-letters/{id}/replay',
    operationId: 'replayDeadLetter',
    summary:
      'Republish to the original exchange and routing key (confirmed), then mark replayed; with `body`, edit & retry',
    tag: 'dead-letters',
    access: 'operator',
    params: S.idParam,
    query: S.replayQuery,
    body: { schema: S.replayBody, required: false },
    responses: { '200': json('Replayed', S.deadLetterItem) },
    failures: {
      ...UNKNOWN_DEAD_LETTER,
      '409': 'Already replayed (use force), or the route is not one a replay may take',
      '422': "The corrected body does not satisfy its type's schema, or changes its id or type",
      '503': 'The broker did not confirm the replay; retry after Retry-After',
    },
  },
  discardDeadLetter: {
    method: 'post',
    path: '/api/dead-letters/{id}/discard',
    operationId: 'discardDeadLetter',
    summary: 'Mark an open dead letter discarded',
    tag: 'dead-letters',
    access: 'operator',
    params: S.idParam,
    responses: { '200': json('Discarded', S.deadLetterItem) },
    failures: { ...UNKNOWN_DEAD_LETTER, '409': 'Not open' },
  },
  stats: {
    method: 'get',
    path: '/api/stats',
    operationId: 'deadLetterStats',
    summary: 'Dead-letter counts and queue depths (work, retry, dead)',
    tag: 'dead-letters',
    access: 'read',
    responses: { '200': json('Stats', S.stats) },
  },
  searchIdentities: {
    method: 'get',
    path: '/api/identities',
    operationId: 'searchIdentities',
    summary: 'Identities by email, externalId (with provider) or id',
    tag: 'identities',
    access: 'read',
    personalData: true,
    query: S.identitySearchQuery,
    responses: { '200': json('Matches', S.identityList) },
  },
  getIdentity: {
    method: 'get',
    path: '/api/identities/{id}',
    operationId: 'getIdentity',
    summary: 'One identity',
    tag: 'identities',
    access: 'read',
    personalData: true,
    params: S.idParam,
    responses: { '200': json('The identity', S.identityItem) },
    failures: { '404': 'No identity with that id' },
  },
  identityTimeline: {
    method: 'get',
    path: '/api/identities/{id}/timeline',
    operationId: 'identityTimeline',
    summary: 'What happened to an identity: events, stale messages, dead letters, audit entries',
    tag: 'identities',
    access: 'read',
    personalData: true,
    params: S.idParam,
    responses: { '200': json('The timeline', S.timeline) },
    failures: { '404': 'No identity with that id' },
  },
  eraseIdentity: {
    method: 'post',
    path: '/api/identities/{id}/erase',
    operationId: 'eraseIdentity',
    summary: 'Erase an identity (right to erasure), or count what would be erased with dryRun',
    tag: 'identities',
    access: 'operator',
    personalData: true,
    params: S.idParam,
    body: { schema: S.eraseBody, required: true },
    responses: { '200': json('What was (or would be) erased, as counts', S.erasureResult) },
    failures: {
      '404': 'No identity with that id',
      '503': 'The broker did not confirm IdentityErased; retry after Retry-After',
    },
  },
  audit: {
    method: 'get',
    path: '/api/audit',
    operationId: 'listAudit',
    summary: 'What operators did, newest first',
    tag: 'audit',
    access: 'read',
    query: S.auditQuery,
    responses: { '200': json('A page', S.auditPage) },
  },
  listNotifications: {
    method: 'get',
    path: '/api/notifications',
    operationId: 'listNotifications',
    summary: 'Latest notifications with delivery counts by status',
    tag: 'recipients',
    access: 'read',
    personalData: true,
    query: S.limitQuery(20),
    responses: { '200': json('Notifications', S.notificationList) },
  },
  getNotification: {
    method: 'get',
    path: '/api/notifications/{id}',
    operationId: 'getNotification',
    summary: "One notification with each recipient's status, attempts and SMTP reply",
    tag: 'recipients',
    access: 'read',
    personalData: true,
    params: S.anyIdParam,
    responses: { '200': json('The notification', S.notificationDetail) },
    failures: { '404': 'No notification with that id' },
  },
  previewNotification: {
    method: 'get',
    path: '/api/notifications/{id}/preview',
    operationId: 'previewNotification',
    summary: 'The email as rendered for one recipient',
    tag: 'recipients',
    access: 'read',
    personalData: true,
    params: S.anyIdParam,
    query: S.previewQuery,
    responses: { '200': json('The rendered email', S.preview) },
    failures: { '404': 'No such notification, or the address is not one of its recipients' },
  },
  listSuppressions: {
    method: 'get',
    path: '/api/suppressions',
    operationId: 'listSuppressions',
    summary: 'Suppressed addresses (permanent bounces, complaints)',
    tag: 'recipients',
    access: 'read',
    personalData: true,
    query: S.suppressionsQuery,
    responses: { '200': json('Suppressions', S.suppressionList) },
  },
  removeSuppression: {
    method: 'delete',
    path: '/api/suppressions/{email}',
    operationId: 'removeSuppression',
    summary: 'Lift a suppression (audited)',
    tag: 'recipients',
    access: 'operator',
    personalData: true,
    params: S.emailParam,
    responses: { '200': json('The lifted suppression', S.suppressionItem) },
    failures: { '404': 'The address is not suppressed' },
  },
  listOptOuts: {
    method: 'get',
    path: '/api/opt-outs',
    operationId: 'listOptOuts',
    summary: 'Opt-outs (unsubscribes) by list and address',
    tag: 'recipients',
    access: 'read',
    personalData: true,
    query: S.optOutsQuery,
    responses: { '200': json('Opt-outs', S.optOutList) },
  },
  resubscribe: {
    method: 'post',
    path: '/api/opt-outs/resubscribe',
    operationId: 'resubscribe',
    summary: 'Undo an opt-out (audited)',
    tag: 'recipients',
    access: 'operator',
    personalData: true,
    body: { schema: S.resubscribeBody, required: true },
    responses: { '200': json('The lifted opt-out', S.optOutItem) },
    failures: { '404': 'The address has not opted out of that list' },
  },
  reconcileRuns: {
    method: 'get',
    path: '/api/reconcile/runs',
    operationId: 'listReconcileRuns',
    summary: 'Reconciliation runs, newest first',
    tag: 'reconcile',
    access: 'read',
    query: S.reconcileRunsQuery,
    responses: { '200': json('Runs', S.reconcileRuns) },
  },
  reconcileRun: {
    method: 'get',
    path: '/api/reconcile/runs/{id}',
    operationId: 'getReconcileRun',
    summary: 'One reconciliation run with its drift',
    tag: 'reconcile',
    access: 'read',
    params: S.idParam,
    responses: { '200': json('The run', S.reconcileRun) },
    failures: { '404': 'No run with that id' },
  },
  startReconcile: {
    method: 'post',
    path: '/api/reconcile/{provider}',
    operationId: 'startReconcile',
    summary:
      "Start a reconciliation of the IdP's admin API against identities; answers once it holds the lease",
    tag: 'reconcile',
    access: 'operator',
    params: S.providerParam,
    body: { schema: S.reconcileBody, required: false },
    responses: { '202': json('Started (Location: the run)', S.reconcileRun) },
    failures: { '409': 'Another run of this provider holds the lease' },
  },
  openapi: {
    method: 'get',
    path: '/api/openapi.json',
    operationId: 'openapi',
    summary: 'This document',
    tag: 'operations',
    access: 'public',
    responses: { '200': json('OpenAPI 3.1 document', { type: 'object' }) },
  },
} as const satisfies Record<string, ApiRoute>;

export type RouteName = keyof typeof API_ROUTES;

/** The Express form of a route's path: `{name}` → `:name`. */
export function expressPath(route: Pick<ApiRoute, 'path'>): string {
  return route.path.replace(/\{(\w+)\}/g, ':$1');
}
