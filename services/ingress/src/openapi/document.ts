import { PROBLEM_CONTENT_TYPE } from '@identity-relay/runtime';
import {
  ERROR_SCHEMAS,
  ROUTES,
  type ErrorShape,
  type RouteResponse,
  type RouteSpec,
} from '../route-table.js';
import { toOpenApiSchema } from './json-schema.js';

export interface OpenApiOptions {
  /** KRATOS_API_KEY_HEADER: the header name of the Kratos API key scheme. */
  kratosApiKeyHeader: string;
  /** (default='0.1.0') The API version in `info.version`. */
  version?: string;
}

const STATUS_TEXT: Readonly<Record<string, string>> = {
  '400': 'Malformed JSON, empty body, nesting too deep, a bad header value, or a malformed token',
  '401': 'Missing or invalid credentials or signature',
  '403': 'Refused by the signup/login policy',
  '409': 'A signed webhook-id that was already accepted (replay)',
  '413': 'Body larger than the limit',
  '415': 'Content-Type is not JSON, or an unsupported encoding or charset',
  '422': 'Body does not match the schema',
  '429': 'Too many requests from this source; see Retry-After',
  '503': 'The broker did not confirm the message; retry after Retry-After',
};

const SECURITY_SCHEMES = (kratosHeader: string) => ({
  kratosApiKey: { type: 'apiKey', in: 'header', name: kratosHeader, description: 'KRATOS_API_KEY' },
  kratosBasic: { type: 'http', scheme: 'basic', description: 'KRATOS_BASIC_USER / KRATOS_BASIC_PASSWORD' },
  apiKey: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Api-Key',
    description: 'AUTHENTIK_WEBHOOK_TOKEN, HOOKS_API_KEY or NOTIFY_API_KEY, per route',
  },
  bearer: { type: 'http', scheme: 'bearer', description: 'The same keys as `Authorization: Bearer <key>`' },
  standardWebhooks: {
    type: 'apiKey',
    in: 'header',
    name: 'webhook-signature',
    description:
      'Standard Webhooks HMAC-SHA256 over `webhook-id.webhook-timestamp.body` (headers webhook-id, ' +
      "webhook-timestamp, webhook-signature, or Svix's svix-id, svix-timestamp, svix-signature; 5-minute " +
      'tolerance; replayed ids refused with 409). Accepted when the route family has a *_WEBHOOK_SECRET.',
  },
});

const MEDIA_TYPES: Readonly<Record<ErrorShape, string>> = {
  problem: PROBLEM_CONTENT_TYPE,
  kratos: 'application/json',
  hook: 'application/json',
  page: 'text/html',
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorSchemaName = (shape: string) => `${shape[0]!.toUpperCase()}${shape.slice(1)}Error`;

function response(r: RouteResponse, schema?: object): object {
  const body = schema ?? r.schema;
  if (r.contentType)
    return { description: r.description, content: { [r.contentType]: { schema: { type: 'string' } } } };
  return body
    ? { description: r.description, content: { 'application/json': { schema: toOpenApiSchema(body) } } }
    : { description: r.description };
}

function operation(route: RouteSpec, bodyName: string | undefined): object {
  const responses: Record<string, object> = {};
  for (const [status, r] of Object.entries(route.success)) responses[status] = response(r);
  for (const [status, shape] of Object.entries(route.errors) as [string, ErrorShape][]) {
    const media = MEDIA_TYPES[shape];
    responses[status] = {
      description:
        status === '404' && shape === 'page'
          ? 'The token is not signed by any current key'
          : (STATUS_TEXT[status] ?? `HTTP ${status}`),
      content: { [media]: { schema: ref(errorSchemaName(shape)) } },
    };
  }
  const parameters = [
    ...(route.pathParams ?? []).map((p) => ({
      name: p.name,
      in: 'path',
      required: true,
      description: p.description,
      schema: { type: 'string', pattern: p.pattern },
    })),
    ...(route.headers ?? []).map((h) => ({
      name: h.name,
      in: 'header',
      required: false,
      description: h.description,
      schema: { type: 'string', ...(h.pattern && { pattern: h.pattern }) },
    })),
  ];
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: route.security.map((s) => ({ [s]: [] })),
    ...(parameters.length > 0 && { parameters }),
    ...(route.body && {
      requestBody: {
        required: true,
        content: { 'application/json': { schema: ref(bodyName!) } },
      },
    }),
    responses,
  };
}

const bodySchemaName = (routeName: string) => `${routeName[0]!.toUpperCase()}${routeName.slice(1)}Body`;

/**
 * The ingress's OpenAPI 3.1 document, generated from the route table and the very JSON Schemas the routes
 * validate with. Built once per app; served at `GET /openapi.json`.
 */
export function buildOpenApiDocument(opts: OpenApiOptions): Record<string, unknown> {
  const routes = Object.entries(ROUTES) as [string, RouteSpec][];
  const paths: Record<string, Record<string, object>> = {};
  const schemas: Record<string, unknown> = {};
  // Routes validating with the same schema object share one component, named after the first of them.
  const bodyNames = new Map<object, string>();
  for (const [name, route] of routes) {
    if (route.body && !bodyNames.has(route.body)) {
      bodyNames.set(route.body, bodySchemaName(name));
      schemas[bodySchemaName(name)] = toOpenApiSchema(route.body);
    }
    const bodyName = route.body && bodyNames.get(route.body);
    (paths[route.path] ??= {})[route.method] = operation(route, bodyName);
  }
  for (const [shape, schema] of Object.entries(ERROR_SCHEMAS)) {
    schemas[errorSchemaName(shape)] = toOpenApiSchema(schema);
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: {
      title: 'identity-relay ingress',
      version: opts.version ?? '0.1.0',
      description:
        'Webhooks from identity providers and other systems, published to RabbitMQ once the broker confirmed.',
    },
    tags: ['kratos', 'authentik', 'hooks', 'notifications', 'subscriptions', 'operations'].map((name) => ({
      name,
    })),
    paths,
    components: { schemas, securitySchemes: SECURITY_SCHEMES(opts.kratosApiKeyHeader) },
  };
}
