/*
 * JSON Schemas of the ops API: the request schemas ajv validates with (http/validate.ts) and the response
 * schemas the OpenAPI document shows, all referenced from the route table (http/route-table.ts). Written in the
 * subset that is both ajv draft-07 and OpenAPI 3.1 (nullable as `type: [T, "null"]`), so the document embeds
 * them unchanged.
 */
import { PROVIDERS } from '@identity-relay/reconcile';
import { AUDIT_ACTIONS } from '../audit/audit-log.js';
import { FILTER_KEYS, STATUSES } from '../store/filter.js';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const nullable = (type: 'string' | 'integer') => ({ type: [type, 'null'] });
const dateTime = { type: 'string', format: 'date-time' } as const;
const uuid = { type: 'string', format: 'uuid' } as const;
const anything = {} as const;
const obj = (properties: Record<string, object>, required: string[] = []) => ({
  type: 'object',
  required,
  properties,
});
const listOf = (items: object) => obj({ items: { type: 'array', items } }, ['items']);

// ---- parameters ----------------------------------------------------------------------------------------------

/** Query values arrive as strings; the services parse them (the CLI and console share that parsing). */
const queryObject = (properties: Record<string, object>) => ({
  type: 'object',
  additionalProperties: false,
  properties,
});
const LIMIT = { type: 'string', pattern: '^[0-9]{1,4}$', description: 'Page size (an integer)' };
const FILTER_DESCRIPTIONS: Record<(typeof FILTER_KEYS)[number], object> = {
  queue: { ...str, description: 'Work queue the message died in' },
  type: { ...str, description: 'Message type (CloudEvent type)' },
  fingerprint: { ...str, description: 'Failure fingerprint (groups one cause)' },
  status: { type: 'string', enum: [...STATUSES] },
  since: { ...str, description: 'dead_lettered_at >= since (ISO 8601)' },
  until: { ...str, description: 'dead_lettered_at < until (ISO 8601)' },
  messageId: { ...str, description: 'The message id (AMQP messageId / CloudEvent id)' },
  identityId: { ...str, description: 'Mentions this identity, its external id or email' },
  externalId: { ...str, description: 'Mentions this external (IdP) id' },
  email: { ...str, description: 'Mentions this email address (case-insensitive)' },
};

export const deadLetterFilterQuery = queryObject(FILTER_DESCRIPTIONS);
export const deadLetterListQuery = queryObject({
  ...FILTER_DESCRIPTIONS,
  limit: { ...LIMIT, description: 'Page size, 1..500 (default 50)' },
  cursor: { ...str, description: 'nextCursor of the previous page' },
});
export const replayQuery = queryObject({ force: { type: 'string', enum: ['true', 'false'] } });
export const identitySearchQuery = queryObject({
  email: str,
  externalId: str,
  provider: str,
  id: str,
  limit: { ...LIMIT, description: 'At most this many, 1..500 (default 20)' },
});
export const auditQuery = queryObject({
  actor: str,
  action: { type: 'string', enum: [...AUDIT_ACTIONS] },
  deadLetterId: str,
  identityId: str,
  since: str,
  until: str,
  limit: { ...LIMIT, description: 'Page size, 1..500 (default 50)' },
  cursor: str,
});
export const limitQuery = (fallback: number) =>
  queryObject({ limit: { ...LIMIT, description: `At most this many, 1..500 (default ${fallback})` } });
export const suppressionsQuery = queryObject({ email: str, limit: LIMIT });
export const optOutsQuery = queryObject({ email: str, list: str, limit: LIMIT });
export const previewQuery = { ...queryObject({ email: str }), required: ['email'] };
export const reconcileRunsQuery = queryObject({
  provider: { type: 'string', enum: [...PROVIDERS] },
  limit: {
    type: 'string',
    pattern: '^[0-9]{1,3}$',
    description: 'At most this many runs, 1..200 (default 20)',
  },
});

/** Path parameters: `{name}` segments, by name. */
export const pathParams = (properties: Record<string, object>) => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
});
export const idParam = pathParams({ id: { ...str, description: 'A UUID' } });
export const anyIdParam = pathParams({ id: str });
export const emailParam = pathParams({ email: str });
export const providerParam = pathParams({ provider: { type: 'string', enum: [...PROVIDERS] } });

// ---- request bodies ------------------------------------------------------------------------------------------

export const bulkBody = {
  type: 'object',
  additionalProperties: false,
  required: ['dryRun'],
  properties: {
    filter: { ...deadLetterFilterQuery, description: 'All given fields must match' },
    dryRun: { ...bool, description: 'true: only count and sample what would be acted on' },
    force: { ...bool, description: 'Replay entries already replayed too' },
  },
};
export const replayBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    force: { ...bool, description: 'Replay an entry already replayed' },
    body: {
      type: 'object',
      description: "Edit & retry: the corrected message, valid against its type's schema, same id and type",
    },
  },
};
export const eraseBody = {
  type: 'object',
  additionalProperties: false,
  required: ['dryRun'],
  properties: { dryRun: { ...bool, description: 'Say which: an erasure is not undone' } },
};
export const resubscribeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['list', 'email'],
  properties: { list: str, email: str },
};
export const reconcileBody = {
  type: 'object',
  additionalProperties: false,
  properties: { dryRun: bool, force: { ...bool, description: 'Run even if the last run is recent' } },
};

// ---- responses -----------------------------------------------------------------------------------------------

export const deadLetterItem = obj(
  {
    id: uuid,
    queue: str,
    messageId: nullable('string'),
    messageType: nullable('string'),
    exchange: nullable('string'),
    routingKey: nullable('string'),
    error: nullable('string'),
    errorClass: nullable('string'),
    fingerprint: str,
    attempts: nullable('integer'),
    status: { type: 'string', enum: [...STATUSES] },
    replayCount: int,
    deadLetteredAt: dateTime,
    service: nullable('string'),
    host: nullable('string'),
  },
  ['id', 'queue', 'fingerprint', 'status', 'deadLetteredAt'],
);
export const deadLetterPage = obj(
  { items: { type: 'array', items: deadLetterItem }, nextCursor: nullable('string') },
  ['items', 'nextCursor'],
);
export const deadLetterDetail = {
  allOf: [
    deadLetterItem,
    obj({
      headers: anything,
      properties: anything,
      body: obj({
        size: int,
        json: anything,
        text: str,
        base64: { ...str, description: 'Absent when masked' },
        masked: {
          ...bool,
          description: 'Read-only caller without the pii grant: emails masked, no raw bytes',
        },
      }),
      errorCode: nullable('string'),
      firstFailedAt: nullable('string'),
      archivedAt: str,
      resolvedAt: nullable('string'),
      lineage: { type: 'object' },
      edits: { type: 'array', items: { type: 'object' } },
    }),
  ],
};
export const deadLetterGroups = listOf(
  obj({
    fingerprint: str,
    queue: str,
    messageType: nullable('string'),
    errorClass: nullable('string'),
    error: nullable('string'),
    count: int,
    firstSeen: str,
    lastSeen: str,
  }),
);
export const bulkResult = obj(
  {
    action: { type: 'string', enum: ['replay', 'discard'] },
    dryRun: bool,
    filter: { type: 'object' },
    count: int,
    sample: { type: 'array', items: deadLetterItem },
    failed: { type: 'array', items: obj({ id: str, code: str, message: str }) },
  },
  ['action', 'dryRun', 'count'],
);
export const stats = obj({ deadLetters: { type: 'object' }, queues: { type: ['array', 'null'] } }, [
  'deadLetters',
]);

export const identityItem = obj(
  {
    id: uuid,
    provider: str,
    externalId: str,
    email: nullable('string'),
    username: nullable('string'),
    emailVerified: bool,
    state: str,
    traits: anything,
    version: int,
    sourceUpdatedAt: str,
    createdAt: str,
    updatedAt: str,
    deletedAt: nullable('string'),
    erasedAt: nullable('string'),
  },
  ['id', 'provider', 'externalId'],
);
export const identityList = listOf(identityItem);
export const timeline = obj(
  { identity: identityItem, entries: { type: 'array', items: { type: 'object' } } },
  ['identity', 'entries'],
);
export const erasureResult = obj(
  { identityId: str, dryRun: bool, alreadyErased: bool, counts: { type: 'object' }, published: bool },
  ['identityId', 'dryRun', 'counts'],
);
export const auditPage = obj(
  {
    items: {
      type: 'array',
      items: obj({
        id: str,
        at: str,
        actor: str,
        action: str,
        deadLetterIds: { type: 'array', items: str },
        count: int,
        filter: anything,
        detail: anything,
      }),
    },
    nextCursor: nullable('string'),
  },
  ['items', 'nextCursor'],
);

const notificationSummary = obj(
  {
    id: str,
    topic: str,
    list: str,
    subject: str,
    requestedAt: str,
    recipients: int,
    counts: { type: 'object', additionalProperties: int },
  },
  ['id', 'list', 'counts'],
);
export const notificationList = listOf(notificationSummary);
export const notificationDetail = {
  allOf: [
    notificationSummary,
    obj({
      deliveries: {
        type: 'array',
        items: obj({
          email: str,
          status: str,
          attempts: int,
          smtpMessageId: nullable('string'),
          smtpResponse: nullable('string'),
          error: nullable('string'),
          sentAt: nullable('string'),
        }),
      },
    }),
  ],
};
export const preview = obj({ email: str, subject: str, text: str, html: nullable('string') }, [
  'email',
  'subject',
  'text',
]);
export const suppressionItem = obj(
  { email: str, reason: str, notificationId: nullable('string'), suppressedAt: str },
  ['email', 'reason'],
);
export const suppressionList = listOf(suppressionItem);
export const optOutItem = obj({ list: str, email: str, method: str, optedOutAt: str }, ['list', 'email']);
export const optOutList = listOf(optOutItem);

export const reconcileRun = obj(
  {
    id: uuid,
    provider: { type: 'string', enum: [...PROVIDERS] },
    dryRun: bool,
    trigger: str,
    status: str,
    startedAt: str,
    finishedAt: nullable('string'),
    drift: { type: 'array', items: { type: 'object' } },
    error: nullable('string'),
  },
  ['id', 'provider', 'status'],
);
export const reconcileRuns = listOf(reconcileRun);
