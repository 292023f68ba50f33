import { PROBLEM_CONTENT_TYPE, problemSchema } from '@identity-relay/runtime';
import { API_ROUTES, type ApiResponse, type ApiRoute, type Tag } from './route-table.js';

export interface OpsOpenApiOptions {
  /** (default='/') Base URL of the API in `servers`: this ops service's address (OPS_PORT). */
  serverUrl?: string;
  /** (default='0.1.0') The API version in `info.version`. */
  version?: string;
}

const TAGS: Readonly<Record<Tag, string>> = {
  'dead-letters': 'Messages that could not be processed: inspect, group, replay (or edit & retry), discard',
  identities: 'Synced identities and their history; erasure',
  audit: 'What operators did',
  recipients: 'Notifications per recipient, suppressions and opt-outs',
  reconcile: "Reconciliation of the IdPs' admin APIs against identities",
  operations: 'This document',
};

/** Failures every route under `/api` may answer, before its handler runs. */
const GUARD_FAILURES = {
  '429': 'Too many failed authentications from this address; see Retry-After',
};
/** Failures of every route that needs a token. */
const AUTH_FAILURES = {
  '401': 'No token, an unknown token, or an invalid or expired JWT (WWW-Authenticate: Bearer)',
  '403': 'A valid token without the needed role (or, for personal data, the pii grant)',
  '503': "Tokens cannot be verified now (the OIDC issuer's keys cannot be fetched); see Retry-After",
};
const INVALID_INPUT = { '400': 'A parameter or body field is invalid; `errors` names each' };

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const pascal = (id: string) => `${id[0]!.toUpperCase()}${id.slice(1)}`;

function success(r: ApiResponse): object {
  if (r.contentType)
    return { description: r.description, content: { [r.contentType]: { schema: { type: 'string' } } } };
  return r.schema
    ? { description: r.description, content: { 'application/json': { schema: r.schema } } }
    : { description: r.description };
}

function parameters(route: ApiRoute): object[] {
  const from = (where: 'path' | 'query', schema: object | undefined) => {
    const s = schema as { properties?: Record<string, { description?: string }>; required?: string[] };
    return Object.entries(s?.properties ?? {}).map(([name, property]) => {
      const { description, ...rest } = property;
      return {
        name,
        in: where,
        required: where === 'path' || (s.required ?? []).includes(name),
        ...(description && { description }),
        schema: rest,
      };
    });
  };
  return [...from('path', route.params), ...from('query', route.query)];
}

function failures(route: ApiRoute): Record<string, string> {
  return {
    ...(route.params || route.query || route.body ? INVALID_INPUT : {}),
    ...(route.access === 'public' ? {} : AUTH_FAILURES),
    ...GUARD_FAILURES,
    ...route.failures,
  };
}

function accessText(route: ApiRoute): string {
  if (route.access === 'operator') return 'Needs the operator role.';
  return route.personalData
    ? 'Personal data: needs the operator role, or the read role with the pii grant.'
    : 'Needs the read (or operator) role.';
}

function operation(route: ApiRoute, bodyName: string | undefined): object {
  const responses: Record<string, object> = {};
  for (const [status, r] of Object.entries(route.responses)) responses[status] = success(r);
  for (const [status, description] of Object.entries(failures(route)))
    responses[status] = { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem') } } };
  const params = parameters(route);
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    ...(route.access === 'public' ? { security: [] } : { description: accessText(route) }),
    ...(params.length > 0 && { parameters: params }),
    ...(route.body && {
      requestBody: {
        required: route.body.required,
        content: { 'application/json': { schema: ref(bodyName!) } },
      },
    }),
    responses,
  };
}

/**
 * The ops API's OpenAPI 3.1 document, generated from the route table (route-table.ts) and the very JSON
 * Schemas requests are validated with. Served at `GET /api/openapi.json`.
 */
export function buildOpsOpenApi(opts: OpsOpenApiOptions = {}): Record<string, unknown> {
  const paths: Record<string, Record<string, object>> = {};
  const schemas: Record<string, unknown> = { Problem: problemSchema };
  // Routes validating with the same body schema object share one component, named after the first of them.
  const bodyNames = new Map<object, string>();
  for (const route of Object.values(API_ROUTES) as ApiRoute[]) {
    if (route.body && !bodyNames.has(route.body.schema)) {
      bodyNames.set(route.body.schema, `${pascal(route.operationId)}Body`);
      schemas[`${pascal(route.operationId)}Body`] = route.body.schema;
    }
    (paths[route.path] ??= {})[route.method] = operation(
      route,
      route.body && bodyNames.get(route.body.schema),
    );
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'identity-relay ops API',
      version: opts.version ?? '0.1.0',
      description:
        'Dead letters, identities, audit, recipients and reconciliation for operators. Errors are RFC 9457 ' +
        'problem details (application/problem+json) with a stable `code`.',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    servers: [{ url: opts.serverUrl ?? '/', description: 'This ops service (OPS_PORT)' }],
    security: [{ bearer: [] }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'OPS_TOKEN (operator), or an OIDC access token (JWT) with the read or operator role',
        },
      },
    },
  };
}
