import { PROBLEM_CONTENT_TYPE, problemSchema } from '@identity-relay/runtime';

/** OpenAPI 3.1 description of the ops API, served at /api/openapi.json. */
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const problem = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Error') } },
});
const errors = {
  '400': problem('Bad filter, id, limit or cursor'),
  '401': problem('No token, unknown token, invalid or expired JWT'),
  '403': problem('Valid token without the needed role'),
};
const filterParams = ['queue', 'type', 'fingerprint', 'status', 'since', 'until'].map((name) => ({
  name,
  in: 'query',
  required: false,
  schema:
    name === 'status'
      ? { type: 'string', enum: ['open', 'replayed', 'discarded'] }
      : { type: 'string', ...(name === 'since' || name === 'until' ? { format: 'date-time' } : {}) },
}));
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const nullable = (type: string) => ({ type: [type, 'null'] });

const item = {
  type: 'object',
  required: [
    'id',
    'queue',
    'messageId',
    'messageType',
    'routingKey',
    'error',
    'fingerprint',
    'attempts',
    'status',
    'deadLetteredAt',
  ],
  properties: {
    id: { type: 'string', format: 'uuid' },
    queue: { type: 'string' },
    messageId: nullable('string'),
    messageType: nullable('string'),
    exchange: nullable('string'),
    routingKey: nullable('string'),
    error: nullable('string'),
    errorClass: nullable('string'),
    fingerprint: { type: 'string' },
    attempts: nullable('integer'),
    status: { type: 'string', enum: ['open', 'replayed', 'discarded'] },
    replayCount: { type: 'integer' },
    deadLetteredAt: { type: 'string', format: 'date-time' },
    service: nullable('string'),
    host: nullable('string'),
  },
};

const bulkBody = {
  type: 'object',
  required: ['dryRun'],
  properties: {
    filter: {
      type: 'object',
      properties: Object.fromEntries(filterParams.map((p) => [p.name, p.schema])),
      additionalProperties: false,
    },
    dryRun: { type: 'boolean', description: 'true: only count and sample what would be acted on' },
    force: { type: 'boolean', description: 'replay entries already replayed too' },
  },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'identity-relay ops API',
    version: '0.1.0',
    description: 'Dead-letter inspection, grouping, replay and discard.',
  },
  security: [{ bearer: [] }],
  paths: {
    '/api/dead-letters': {
      get: {
        summary: 'List dead letters, newest first',
        parameters: [
          ...filterParams,
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
        responses: { '200': { description: 'A page', ...json(ref('Page')) }, ...errors },
      },
    },
    '/api/dead-letters/groups': {
      get: {
        summary: 'Dead letters grouped by fingerprint (status defaults to open)',
        parameters: filterParams,
        responses: {
          '200': {
            description: 'Groups',
            ...json({ type: 'object', properties: { items: { type: 'array', items: ref('Group') } } }),
          },
          ...errors,
        },
      },
    },
    '/api/dead-letters/{id}': {
      get: {
        summary: 'One dead letter with headers and body',
        parameters: [idParam],
        responses: {
          '200': { description: 'Detail', ...json(ref('Detail')) },
          '404': problem('Unknown id'),
          ...errors,
        },
      },
    },
    '/api/dead-letters/{id}/replay': {
      post: {
        summary: 'Republish to the original exchange and routing key (confirmed), then mark replayed',
        parameters: [idParam],
        requestBody: {
          required: false,
          ...json({ type: 'object', properties: { force: { type: 'boolean' } } }),
        },
        responses: {
          '200': { description: 'Replayed', ...json(ref('Item')) },
          '404': { description: 'Unknown id' },
          '409': { description: 'Already replayed (use force)' },
          '503': { description: 'Broker did not confirm' },
          ...errors,
        },
      },
    },
    '/api/dead-letters/{id}/discard': {
      post: {
        summary: 'Mark an open dead letter discarded',
        parameters: [idParam],
        responses: {
          '200': { description: 'Discarded', ...json(ref('Item')) },
          '404': { description: 'Unknown id' },
          '409': { description: 'Not open' },
          ...errors,
        },
      },
    },
    '/api/dead-letters/replay': {
      post: {
        summary: 'Bulk replay by filter, or count and sample with dryRun',
        requestBody: { required: true, ...json(bulkBody) },
        responses: { '200': { description: 'Result', ...json(ref('BulkResult')) }, ...errors },
      },
    },
    '/api/dead-letters/discard': {
      post: {
        summary: 'Bulk discard by filter, or count and sample with dryRun',
        requestBody: { required: true, ...json(bulkBody) },
        responses: { '200': { description: 'Result', ...json(ref('BulkResult')) }, ...errors },
      },
    },
    '/api/stats': {
      get: {
        summary: 'Dead-letter counts and queue depths (work, retry, dead)',
        responses: { '200': { description: 'Stats', ...json({ type: 'object' }) }, ...errors },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'OPS_TOKEN, or an OIDC access token (JWT) with the read or operator role',
      },
    },
    schemas: {
      Item: item,
      Page: {
        type: 'object',
        required: ['items', 'nextCursor'],
        properties: { items: { type: 'array', items: ref('Item') }, nextCursor: nullable('string') },
      },
      Detail: {
        allOf: [
          ref('Item'),
          {
            type: 'object',
            properties: {
              headers: { type: 'object' },
              properties: { type: 'object' },
              body: {
                type: 'object',
                properties: {
                  size: { type: 'integer' },
                  json: {},
                  text: { type: 'string' },
                  base64: { type: 'string', description: 'absent when masked' },
                  masked: {
                    type: 'boolean',
                    description:
                      'read-only caller without the pii grant: emails masked, traits hidden, no raw bytes',
                  },
                },
              },
              errorCode: nullable('string'),
              firstFailedAt: nullable('string'),
              archivedAt: { type: 'string' },
              resolvedAt: nullable('string'),
            },
          },
        ],
      },
      Group: {
        type: 'object',
        properties: {
          fingerprint: { type: 'string' },
          queue: { type: 'string' },
          messageType: nullable('string'),
          errorClass: nullable('string'),
          error: nullable('string'),
          count: { type: 'integer' },
          firstSeen: { type: 'string' },
          lastSeen: { type: 'string' },
        },
      },
      BulkResult: {
        type: 'object',
        properties: {
          action: { type: 'string' },
          dryRun: { type: 'boolean' },
          filter: { type: 'object' },
          count: { type: 'integer' },
          sample: { type: 'array', items: ref('Item') },
          failed: { type: 'array', items: { type: 'object' } },
        },
      },
      Error: problemSchema,
    },
  },
} as const;
