import {
  authentikDefaultBodySchema,
  authentikMappedBodySchema,
  kratosErrorBodySchema,
  kratosSyncIdentityBodySchema,
  notificationRequestedDataSchema,
} from '@identity-relay/contracts';
import { problemSchema } from '@identity-relay/runtime';
import { hookErrorSchema, hookRequestSchema, hookResultSchema } from './routes/hook-schemas.js';

/** Security schemes, by the names the OpenAPI document gives them; a route accepts any one of its list. */
export type SecurityName = 'kratosApiKey' | 'kratosBasic' | 'apiKey' | 'bearer' | 'standardWebhooks';

/**
 * How a route family renders its errors: RFC 9457 problem+json (packages/runtime's http-error.ts) unless an IdP
 * dictates the body (routes/kratos-validate.ts, routes/hooks.ts); `page`: a small HTML page for people
 * (routes/unsubscribe.ts).
 */
export type ErrorShape = 'problem' | 'kratos' | 'hook' | 'page';

export interface RouteResponse {
  description: string;
  /** JSON body schema; omitted for an empty body. */
  schema?: object;
  /** Media type when the body is not JSON. */
  contentType?: string;
}

export interface RouteSpec {
  method: 'get' | 'post';
  path: string;
  operationId: string;
  summary: string;
  tag: 'kratos' | 'authentik' | 'hooks' | 'notifications' | 'subscriptions' | 'operations';
  /**
   * Empty: no authentication. Only the operations routes and the unsubscribe links (whose signed token in the
   * path is the credential) are public.
   */
  security: readonly SecurityName[];
  /** `{name}` segments of `path` (Express registers them as `:name`). */
  pathParams?: readonly { name: string; description: string; pattern: string }[];
  /** The JSON Schema the route validates its body with (the same object passed to ajv). */
  body?: object;
  /** Success responses by status code. */
  success: Readonly<Record<string, RouteResponse>>;
  /** Failure status codes the route can answer, each with the shape its body has. */
  errors: Readonly<Record<string, ErrorShape>>;
  /** Request headers the route reads besides authentication. */
  headers?: readonly { name: string; description: string; pattern?: string }[];
}

const accepted = (description: string): RouteResponse => ({
  description,
  schema: {
    type: 'object',
    required: ['id'],
    properties: { id: { type: 'string', description: 'The CloudEvent id (idempotency key)' } },
  },
});
const health = { type: 'object', required: ['status'], properties: { status: { type: 'string' } } };
/** What every JSON route may answer before its handler runs (body parsing, auth, signatures, rate limit). */
const WEBHOOK_ERRORS = [400, 401, 409, 413, 415, 422, 429];
/** Status codes rendered in one shape. */
function errorsIn(shape: ErrorShape, codes: readonly number[]): Record<string, ErrorShape> {
  return Object.fromEntries(codes.map((code) => [String(code), shape]));
}
const SIGNED: readonly SecurityName[] = ['apiKey', 'bearer', 'standardWebhooks'];
const TRACEPARENT = {
  name: 'traceparent',
  description: 'W3C trace context; continued into the published message, else a new trace is started',
  pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-.*)?$',
};

const UNSUBSCRIBE_TOKEN = {
  name: 'token',
  description: 'The signed token of the List-Unsubscribe link (names the list and the address)',
  pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$',
};

/** The Express form of a route's path: `{name}` → `:name`. */
export function expressPath(route: RouteSpec): string {
  return route.path.replace(/\{(\w+)\}/g, ':$1');
}

/**
 * Every route the ingress serves, as data: the routers register these paths and the OpenAPI document is
 * generated from this table (openapi/document.ts), so a route cannot be served without being documented.
 */
export type RouteName =
  | 'kratosSync'
  | 'kratosValidate'
  | 'authentik'
  | 'preSignup'
  | 'preLogin'
  | 'notifications'
  | 'unsubscribePage'
  | 'unsubscribe'
  | 'healthz'
  | 'readyz'
  | 'metrics'
  | 'openapi';

export const ROUTES: Readonly<Record<RouteName, RouteSpec>> = {
  kratosSync: {
    method: 'post',
    path: '/kratos/sync-identity',
    operationId: 'kratosSyncIdentity',
    summary: 'Kratos web_hook after registration/settings: publishes KratosIdentityUpdated once confirmed',
    tag: 'kratos',
    security: ['kratosApiKey', 'kratosBasic', 'standardWebhooks'],
    body: kratosSyncIdentityBodySchema,
    success: { '200': accepted('Published and confirmed by the broker') },
    // Only schema refusals use Kratos' `messages` body: this hook runs without response.parse.
    errors: { ...errorsIn('problem', [...WEBHOOK_ERRORS, 503]), '422': 'kratos' },
    headers: [
      {
        name: 'Ory-Webhook-Trigger-ID',
        description: "Kratos' delivery id: retries of one trigger publish the same message id",
      },
      TRACEPARENT,
    ],
  },
  kratosValidate: {
    method: 'post',
    path: '/kratos/validate-registration',
    operationId: 'kratosValidateRegistration',
    summary:
      'Kratos interrupting web_hook (response.parse: true): signup policy before the identity is saved',
    tag: 'kratos',
    security: ['kratosApiKey', 'kratosBasic', 'standardWebhooks'],
    body: kratosSyncIdentityBodySchema,
    success: {
      '200': {
        description: 'Allowed, with the granted roles added to metadata_public',
        schema: {
          type: 'object',
          required: ['identity'],
          properties: {
            identity: {
              type: 'object',
              properties: { metadata_public: { type: 'object', additionalProperties: true } },
            },
          },
        },
      },
      '204': { description: 'Allowed, nothing to change' },
    },
    errors: errorsIn('kratos', [...WEBHOOK_ERRORS, 403]),
  },
  authentik: {
    method: 'post',
    path: '/authentik/webhook',
    operationId: 'authentikWebhook',
    summary: 'Authentik notification webhook: publishes AuthentikUserChanged for user model changes',
    tag: 'authentik',
    security: SIGNED,
    body: { oneOf: [authentikMappedBodySchema, authentikDefaultBodySchema] },
    success: {
      '200': {
        description: 'Published and confirmed (`id`), or not a user change and ignored (`ignored`)',
        schema: {
          oneOf: [
            accepted('').schema,
            {
              type: 'object',
              required: ['ignored', 'reason'],
              properties: { ignored: { const: true }, reason: { type: 'string' } },
            },
          ],
        },
      },
    },
    errors: errorsIn('problem', [...WEBHOOK_ERRORS, 503]),
    headers: [TRACEPARENT],
  },
  preSignup: {
    method: 'post',
    path: '/hooks/pre-signup',
    operationId: 'preSignupHook',
    summary: 'Pre-signup policy hook: 200 with granted roles, or 403 refused',
    tag: 'hooks',
    security: SIGNED,
    body: hookRequestSchema,
    success: { '200': { description: 'Allowed', schema: hookResultSchema } },
    errors: errorsIn('hook', [...WEBHOOK_ERRORS, 403]),
  },
  preLogin: {
    method: 'post',
    path: '/hooks/pre-login',
    operationId: 'preLoginHook',
    summary: 'Pre-login policy hook: 200 allowed, or 403 refused',
    tag: 'hooks',
    security: SIGNED,
    body: hookRequestSchema,
    success: { '200': { description: 'Allowed', schema: hookResultSchema } },
    errors: errorsIn('hook', [...WEBHOOK_ERRORS, 403]),
  },
  notifications: {
    method: 'post',
    path: '/notifications',
    operationId: 'requestNotification',
    summary: 'Asks for one email to every subscriber of a list: publishes NotificationRequested',
    tag: 'notifications',
    security: ['apiKey', 'bearer'],
    body: notificationRequestedDataSchema,
    success: { '202': accepted('Published and confirmed by the broker') },
    errors: errorsIn('problem', [400, 401, 413, 415, 422, 503]),
    headers: [
      {
        name: 'Idempotency-Key',
        description: 'Requests with the same key yield the same notification id, sent once',
        pattern: '^[\\x21-\\x7e]{1,255}$',
      },
      TRACEPARENT,
    ],
  },
  unsubscribePage: {
    method: 'get',
    path: '/unsubscribe/{token}',
    operationId: 'unsubscribePage',
    summary:
      'PUBLIC (the token is the credential). Confirmation page with a button; never unsubscribes (mail scanners prefetch links)',
    tag: 'subscriptions',
    security: [],
    pathParams: [UNSUBSCRIBE_TOKEN],
    success: { '200': { description: 'The confirmation page', contentType: 'text/html' } },
    errors: errorsIn('page', [400, 404, 429]),
  },
  unsubscribe: {
    method: 'post',
    path: '/unsubscribe/{token}',
    operationId: 'unsubscribe',
    summary:
      'PUBLIC (the token is the credential). RFC 8058 one-click unsubscribe: publishes UnsubscribeRequested once confirmed',
    tag: 'subscriptions',
    security: [],
    pathParams: [UNSUBSCRIBE_TOKEN],
    success: { '200': { description: 'Unsubscribed (an HTML page for browsers)', contentType: 'text/html' } },
    errors: errorsIn('page', [400, 404, 413, 429, 503]),
  },
  healthz: {
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    summary: 'Liveness',
    tag: 'operations',
    security: [],
    success: { '200': { description: 'The process answers', schema: health } },
    errors: {},
  },
  readyz: {
    method: 'get',
    path: '/readyz',
    operationId: 'readyz',
    summary: 'Readiness: the broker connection is up',
    tag: 'operations',
    security: [],
    success: {
      '200': { description: 'Ready', schema: health },
      '503': { description: 'Not ready: names the failed checks', schema: health },
    },
    errors: {},
  },
  metrics: {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics',
    tag: 'operations',
    security: [],
    success: { '200': { description: 'Prometheus text format', contentType: 'text/plain' } },
    errors: {},
  },
  openapi: {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This document',
    tag: 'operations',
    security: [],
    success: { '200': { description: 'OpenAPI 3.1 document', schema: { type: 'object' } } },
    errors: {},
  },
};

/** The error bodies by shape, as components of the document. */
export const ERROR_SCHEMAS: Readonly<Record<ErrorShape, object>> = {
  problem: problemSchema,
  kratos: kratosErrorBodySchema,
  hook: hookErrorSchema,
  page: { type: 'string', description: 'A small HTML page saying what is wrong' },
};
