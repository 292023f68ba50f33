// The ops API's contract: GET /api/openapi.json on a real ops app (real Postgres and RabbitMQ underneath) is
// generated from the route table, names exactly the /api routes Express serves, passes @redocly/cli's
// recommended rules, and the schemas it shows are the ones requests are validated with and responses keep.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '@identity-relay/contracts';
import { createReconciler } from '@identity-relay/reconcile';
import { createLogger } from '@identity-relay/runtime';
import { Registry } from 'prom-client';
import { API_ROUTES, createAuthenticator, createOpsApp, SessionStore } from '../src/index.js';
import { startOpsHarness, type OpsHarness } from './harness.js';
import { listen } from './http-server.js';

const OPS_TOKEN = 'openapi-test-token-0123456789';
const OPS_ROOT = fileURLToPath(new URL('..', import.meta.url));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- documents and bodies are checked by the assertions
type Json = any;

let h: OpsHarness;
let app: Express;
let base: string;
let close: () => Promise<void>;
let doc: Json;

beforeAll(async () => {
  h = await startOpsHarness();
  await h.archive.stop();
  app = createOpsApp({
    ...h.services,
    reconciler: createReconciler({
      prisma: h.prisma,
      publisher: h.bus,
      registry: new Registry(),
      config: { reconcilePageSize: 10, reconcileMaxDeleteRatio: 0.1, publishTimeoutMs: 5000 },
    }),
    authenticate: createAuthenticator({ opsToken: OPS_TOKEN }),
    logger: createLogger({ service: 'ops-test', level: 'silent' }),
    registry: new Registry(),
    checks: {},
    sessions: new SessionStore(h.prisma),
  });
  ({ url: base, close } = await listen(app));
  doc = await (await fetch(`${base}/api/openapi.json`)).json();
});
afterAll(async () => {
  await close?.();
  await h?.dispose();
});

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; type: string; body: Json }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${OPS_TOKEN}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: text ? JSON.parse(text) : undefined,
  };
}

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; message: string }[];
}

/** `redocly lint --format json` of a document with services/ops/redocly.yaml (`extends: [recommended]`). */
async function redoclyLint(dir: string, document: Json): Promise<LintReport> {
  const file = join(dir, `openapi-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(document));
  const cli = join(OPS_ROOT, '../../node_modules/@redocly/cli/bin/cli.js');
  const args = [cli, 'lint', file, '--config', join(OPS_ROOT, 'redocly.yaml'), '--format', 'json'];
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      args,
      {
        // No telemetry and no update check: the lint runs offline.
        env: {
          ...process.env,
          REDOCLY_TELEMETRY: 'off',
          REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
          NO_COLOR: '1',
        },
        timeout: 120_000,
      },
      // Exit code 1 means problems were found: the report says which.
      (err, out, stderr) =>
        out.trim().startsWith('{')
          ? resolve(out)
          : reject(new Error(`redocly lint failed: ${String(err)} ${stderr}`)),
    ),
  );
  return JSON.parse(stdout) as LintReport;
}

/** `METHOD /path` of every route registered on the app, nested routers included. */
function expressRoutes(express: Express): string[] {
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle: { stack?: Layer[] } };
  const walk = (stack: Layer[]): string[] =>
    stack.flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path}`)
        : layer.handle.stack
          ? walk(layer.handle.stack)
          : [],
    );
  return walk((express as unknown as { router: { stack: Layer[] } }).router.stack);
}

describe('GET /api/openapi.json', () => {
  it('names exactly the /api routes Express serves (console pages and health endpoints are not the API)', () => {
    const served = expressRoutes(app)
      .filter((r) => r.split(' ')[1]!.startsWith('/api/'))
      .sort();
    const documented = Object.entries(doc.paths as Record<string, object>)
      .flatMap(([path, item]) =>
        Object.keys(item).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      )
      .sort();
    expect(served.length).toBeGreaterThanOrEqual(Object.keys(API_ROUTES).length);
    expect(documented).toEqual(served);
  });

  it('passes @redocly/cli lint with the recommended rules, offline (and the lint does catch what it should)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ir-ops-openapi-'));
    try {
      const clean = await redoclyLint(dir, doc);
      expect(clean.totals, JSON.stringify(clean.problems, null, 2)).toEqual({
        errors: 0,
        warnings: 0,
        ignored: 0,
      });
      // A control: the same document without servers, an operationId or its 4xx answers is refused.
      const broken = structuredClone(doc);
      broken.servers = [];
      delete broken.paths['/api/stats'].get.operationId;
      for (const status of Object.keys(broken.paths['/api/stats'].get.responses))
        if (status.startsWith('4')) delete broken.paths['/api/stats'].get.responses[status];
      const rules = (await redoclyLint(dir, broken)).problems.map((p) => p.ruleId);
      expect(rules).toEqual(
        expect.arrayContaining(['no-empty-servers', 'operation-operationId', 'operation-4xx-response']),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('documents servers, an operationId, a 4xx answer and the security of every operation', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: expect.any(String) })]);
    const operations = Object.values(doc.paths as Record<string, Record<string, Json>>).flatMap(
      Object.values,
    );
    const ids = operations.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(operations.length);
    for (const op of operations) {
      expect(
        Object.keys(op.responses).some((s) => s.startsWith('4')),
        op.operationId,
      ).toBe(true);
      expect(op.responses['429'].content['application/problem+json'].schema).toEqual({
        $ref: '#/components/schemas/Problem',
      });
    }
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/openapi.json'].get.security).toEqual([]);
  });
});

describe('requests are validated from the route table', () => {
  it('answers 400 problem+json naming each invalid field of the body, query and path', async () => {
    const erase = await call(
      'POST',
      `/api/identities/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/erase`,
      {
        dryRun: 'yes',
        everything: true,
      },
    );
    expect(erase.status).toBe(400);
    expect(erase.type).toBe('application/problem+json');
    expect(erase.body).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(erase.body.errors).toEqual(
      expect.arrayContaining([
        { pointer: '/dryRun', detail: 'must be boolean' },
        { pointer: '/everything', detail: 'is not a known field' },
      ]),
    );
    const list = await call('GET', '/api/dead-letters?limit=many&queu=x');
    expect(list.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: '#/query/limit' }),
        { pointer: '#/query/queu', detail: 'is not a known field' },
      ]),
    );
    const reconcile = await call('POST', '/api/reconcile/okta', {});
    expect(reconcile.body.errors).toEqual([expect.objectContaining({ pointer: '#/path/provider' })]);
    const bulk = await call('POST', '/api/dead-letters/replay');
    expect(bulk.body.errors).toEqual([{ pointer: '/', detail: expect.stringMatching(/JSON body/) }]);
  });

  it('authenticates before it validates: no token, 401 whatever the input', async () => {
    const res = await fetch(`${base}/api/dead-letters?limit=many`);
    expect(res.status).toBe(401);
  });

  it('the list answers keep their documented response schemas', async () => {
    for (const [name, path] of [
      ['listDeadLetters', '/api/dead-letters'],
      ['groupDeadLetters', '/api/dead-letters/groups'],
      ['stats', '/api/stats'],
      ['audit', '/api/audit'],
      ['listNotifications', '/api/notifications'],
      ['listSuppressions', '/api/suppressions'],
      ['listOptOuts', '/api/opt-outs'],
      ['reconcileRuns', '/api/reconcile/runs'],
    ] as const) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(200);
      const validate = compile(API_ROUTES[name].responses['200'].schema as object);
      expect(validate(res.body), `${path}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});
