// GET /openapi.json on a real ingress (real broker underneath): the document is OpenAPI 3.1, its schemas are
// the ones the routes validate with, and its paths are exactly the routes the Express app serves.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { whoamiIdentity } from '@identity-relay/contracts/fixtures';
import { createLogger, createMetrics, loadConfig } from '@identity-relay/runtime';
import { createIngress } from '../src/index.js';
import { KEYS, startIngress, type IngressHarness } from './ingress-harness.js';

interface Validator {
  (data: unknown): boolean;
  errors?: unknown[] | null;
}
interface Ajv2020 {
  compile(schema: object): Validator;
  validateSchema(schema: object): boolean;
  errors?: unknown[] | null;
}
// The root node_modules holds ESLint's ajv 6; ajv 8 (with its 2020-12 build) comes with the contracts package.
const requireAjv = createRequire(
  fileURLToPath(new URL('../../../packages/contracts/package.json', import.meta.url)),
);
function newAjv(): Ajv2020 {
  const Ajv = (requireAjv('ajv/dist/2020') as { default: new (o: object) => Ajv2020 }).default;
  const ajv = new Ajv({ allErrors: true, strict: false });
  (requireAjv('ajv-formats') as { default: (a: Ajv2020) => void }).default(ajv);
  return ajv;
}
const minimalSchema = JSON.parse(
  readFileSync(new URL('./schemas/openapi-3.1-minimal.schema.json', import.meta.url), 'utf8'),
) as object;

type Doc = {
  paths: Record<string, Record<string, { security: Record<string, string[]>[]; responses: object }>>;
  components: { schemas: Record<string, object>; securitySchemes: Record<string, object> };
};

let h: IngressHarness;
let doc: Doc;

beforeAll(async () => {
  h = await startIngress({ env: { KRATOS_API_KEY_HEADER: 'X-Kratos-Key' } });
  const res = await fetch(`${h.base}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  doc = (await res.json()) as Doc;
});
afterAll(() => h?.dispose());

/** `METHOD /path` of every route registered on the app, nested routers included. */
function expressRoutes(app: Express): string[] {
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle: { stack?: Layer[] } };
  const walk = (stack: Layer[]): string[] =>
    stack.flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path}`)
        : layer.handle.stack
          ? walk(layer.handle.stack)
          : [],
    );
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
}

function documentedRoutes(d: Doc): string[] {
  return Object.entries(d.paths).flatMap(([path, item]) =>
    Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

/** Every value under `key` anywhere in the document. */
function collect(value: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(value)) value.forEach((v) => collect(v, key, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === key) out.push(v);
      collect(v, key, out);
    }
  }
  return out;
}

describe('GET /openapi.json', () => {
  test('is an OpenAPI 3.1 document whose $refs, security names and operation ids hold together', () => {
    const validate = newAjv().compile(minimalSchema);
    expect(validate(doc), JSON.stringify(validate.errors, null, 2)).toBe(true);
    for (const ref of collect(doc, '$ref') as string[]) {
      const target = ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
      expect(target, ref).toBeDefined();
    }
    const schemes = Object.keys(doc.components.securitySchemes);
    for (const requirement of collect(doc.paths, 'security') as Record<string, string[]>[][]) {
      for (const name of requirement.flatMap((r) => Object.keys(r))) expect(schemes).toContain(name);
    }
    const ids = collect(doc.paths, 'operationId');
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('every schema is valid JSON Schema 2020-12, with no OpenAPI 3.0 `nullable` left', () => {
    const ajv = newAjv();
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      expect(ajv.validateSchema(schema), `${name}: ${JSON.stringify(ajv.errors)}`).toBe(true);
    }
    expect(collect(doc, 'nullable')).toEqual([]);
  });

  test('documents the security schemes, with the configured Kratos key header', () => {
    expect(doc.components.securitySchemes).toMatchObject({
      kratosApiKey: { type: 'apiKey', in: 'header', name: 'X-Kratos-Key' },
      kratosBasic: { type: 'http', scheme: 'basic' },
      apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
      bearer: { type: 'http', scheme: 'bearer' },
    });
    expect(doc.paths['/kratos/sync-identity']!.post!.security).toEqual([
      { kratosApiKey: [] },
      { kratosBasic: [] },
      { standardWebhooks: [] },
    ]);
    expect(doc.paths['/healthz']!.get!.security).toEqual([]);
    // The one public webhook-side route: the signed token in the path is the credential.
    expect(doc.paths['/unsubscribe/{token}']!.post!.security).toEqual([]);
    expect(doc.paths['/unsubscribe/{token}']!.post!).toMatchObject({
      summary: expect.stringMatching(/^PUBLIC/),
    });
  });

  test('documents the responses each route answers', () => {
    const codes = (path: string, method = 'post') => Object.keys(doc.paths[path]![method]!.responses).sort();
    expect(codes('/kratos/sync-identity')).toEqual(
      ['200', '400', '401', '409', '413', '415', '422', '429', '503'].sort(),
    );
    expect(codes('/kratos/validate-registration')).toEqual(
      ['200', '204', '400', '401', '403', '409', '413', '415', '422', '429'].sort(),
    );
    expect(codes('/notifications')).toEqual(['202', '400', '401', '413', '415', '422', '503'].sort());
    expect(codes('/readyz', 'get')).toEqual(['200', '503']);
  });

  test('body schemas are the validation schemas: they accept and refuse what the routes do', async () => {
    const ajv = newAjv();
    const component = (name: string) => ajv.compile(doc.components.schemas[name]!);
    expect(component('KratosSyncBody')({ identity: whoamiIdentity })).toBe(true);
    expect(component('KratosSyncBody')({ identity: { id: 'x' } })).toBe(false);
    const notification = { topic: 'news', list: 'educators', subject: 'Hi', text: 'Hello', html: null };
    expect(component('NotificationsBody')(notification)).toBe(true);
    expect(component('NotificationsBody')({ ...notification, subject: 'a\nBcc: x' })).toBe(false);
    // The same null html is accepted by the route itself: the document does not refuse what is served.
    const res = await fetch(`${h.base}/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEYS.notify },
      body: JSON.stringify(notification),
    });
    expect(res.status).toBe(202);
    const kratosError = {
      messages: [{ instance_ptr: '#/', messages: [{ id: 1, text: 'no', type: 'error' }] }],
    };
    expect(component('KratosError')(kratosError)).toBe(true);
  });

  test('every route the Express app registers is documented, and every documented path is served', async () => {
    const config = loadConfig({ NODE_ENV: 'test', KRATOS_API_KEY: KEYS.kratos }, { service: 'ingress' });
    const app = createIngress({
      config,
      logger: createLogger({ service: 'openapi-test', level: 'silent' }),
      registry: createMetrics('openapi-test').registry,
      publisher: {
        publish: () => Promise.reject(new Error('not used: only the route table is read')),
      },
      isBrokerConnected: () => true,
    });
    const registered = expressRoutes(app).sort();
    expect(registered.length).toBeGreaterThanOrEqual(10);
    // OpenAPI writes path parameters as {name}, Express as :name.
    expect(
      documentedRoutes(doc)
        .map((r) => r.replace(/\{(\w+)\}/g, ':$1'))
        .sort(),
    ).toEqual(registered);
    // And over HTTP: no documented operation reaches the 404 fallback.
    for (const route of documentedRoutes(doc)) {
      const [method, path] = route.split(' ') as [string, string];
      const res = await fetch(`${h.base}${path}`, { method });
      expect(res.status, route).not.toBe(404);
    }
  });
});
