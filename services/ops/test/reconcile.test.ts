// Reconciliation through ops: the HTTP API (auth, roles, runs), the console page and the CLI (a child process),
// against a real database and broker; the Kratos admin API is the stand-in of packages/test-support. Nothing
// consumes identity-sync here: the published repairs are counted on its queue.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '@identity-relay/bus';
import { queueDepth, readQueue } from '@identity-relay/bus/testing';
import { createReconciler, DRIFT_METRIC, type Reconciler } from '@identity-relay/reconcile';
import { createLogger } from '@identity-relay/runtime';
import {
  kratosAdminIdentity,
  startKratosAdminStandIn,
  type KratosAdminStandIn,
} from '@identity-relay/test-support';
import { Registry } from 'prom-client';
import { createAuthenticator, createOpsApp, SessionStore } from '../src/index.js';
import { startOpsHarness, type OpsHarness } from './harness.js';
import { listen, startTestIssuer, type TestIssuer } from './http-server.js';

const BIN = fileURLToPath(new URL('../bin/identity-relay.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OPS_TOKEN = 'test-ops-token-reconcile-0123';
const AUDIENCE = 'identity-relay-ops';
const IDENTITIES = 40;
let h: OpsHarness;
let kratos: KratosAdminStandIn;
let issuer: TestIssuer;
let reconciler: Reconciler;
let registry: Registry;
let base: string;
let close: () => Promise<void>;
let readerJwt: string;
let sessionCookie: string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the assertions
type Body = any;

async function call(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string } = {},
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined || opts.raw !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Body, headers: res.headers };
}

async function finished(id: string): Promise<Body> {
  for (let i = 0; i < 300; i++) {
    const run = await call('GET', `/api/reconcile/runs/${id}`, { token: OPS_TOKEN });
    if (run.body?.status !== 'running') return run.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${id} did not finish`);
}

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: ROOT,
        timeout: 120_000,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          NODE_ENV: 'test',
          DATABASE_URL: h.db.url,
          AMQP_URL: h.vhost.url,
          RETRY_DELAYS_MS: '50',
          KRATOS_ADMIN_URL: kratos.url,
          ...env,
        },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  h = await startOpsHarness();
  await h.archive.stop();
  kratos = await startKratosAdminStandIn();
  for (let i = 0; i < IDENTITIES; i++) kratos.put(kratosAdminIdentity());
  issuer = await startTestIssuer(AUDIENCE);
  registry = new Registry();
  const sessions = new SessionStore(h.prisma);
  sessionCookie = `ir_ops_session=${(await sessions.create({ subject: 'ada', roles: ['read'] })).token}`;
  reconciler = createReconciler({
    prisma: h.prisma,
    publisher: h.bus,
    registry,
    config: {
      kratosAdminUrl: kratos.url,
      reconcilePageSize: 10,
      reconcileMaxDeleteRatio: 0.1,
      publishTimeoutMs: 5000,
    },
  });
  const app = createOpsApp({
    ...h.services,
    reconciler,
    sessions,
    authenticate: createAuthenticator({
      opsToken: OPS_TOKEN,
      oidc: {
        issuer: issuer.issuer,
        audience: AUDIENCE,
        roleClaim: 'realm_access.roles',
        readRole: 'ops-read',
        operatorRole: 'ops-admin',
      },
    }),
    logger: createLogger({ service: 'ops-test', level: 'silent' }),
    registry,
    checks: {},
  });
  const server = await listen(app);
  base = server.url;
  close = server.close;
  readerJwt = await issuer.sign({ sub: 'bob', realm_access: { roles: ['ops-read'] } });
});

afterAll(async () => {
  await close?.();
  await issuer?.close();
  await kratos?.close();
  await h?.dispose();
});

describe('ops API /api/reconcile', () => {
  it('needs a token for every route and the operator role to start a run', async () => {
    expect((await call('GET', '/api/reconcile/runs')).status).toBe(401);
    expect((await call('POST', '/api/reconcile/kratos', { body: { dryRun: true } })).status).toBe(401);
    expect((await call('GET', '/api/reconcile/runs', { token: readerJwt })).status).toBe(200);
    const post = await call('POST', '/api/reconcile/kratos', { token: readerJwt, body: { dryRun: true } });
    expect(post.status).toBe(403);
    expect((await call('GET', '/api/reconcile/runs', { token: OPS_TOKEN })).body.items).toEqual([]);
  });

  it('refuses a bad provider, body or run id with 400 and an unknown run with 404', async () => {
    expect((await call('POST', '/api/reconcile/okta', { token: OPS_TOKEN, body: {} })).body.code).toBe(
      'invalid_request',
    );
    expect(
      (await call('POST', '/api/reconcile/kratos', { token: OPS_TOKEN, body: { dryRun: 'yes' } })).status,
    ).toBe(400);
    expect(
      (await call('POST', '/api/reconcile/kratos', { token: OPS_TOKEN, body: { drop: true } })).status,
    ).toBe(400);
    expect(
      (await call('POST', '/api/reconcile/kratos', { token: OPS_TOKEN, raw: '{"dryRun":' })).status,
    ).toBe(400);
    const notConfigured = await call('POST', '/api/reconcile/authentik', { token: OPS_TOKEN, body: {} });
    expect(notConfigured.status).toBe(400);
    expect(notConfigured.body.code).toBe('provider_not_configured');
    expect((await call('GET', '/api/reconcile/runs/nope', { token: OPS_TOKEN })).status).toBe(400);
    const missing = await call('GET', '/api/reconcile/runs/6f1d7b9e-2c3a-4b5d-8e9f-0a1b2c3d4e5f', {
      token: OPS_TOKEN,
    });
    expect(missing.status).toBe(404);
    expect(await queueDepth(h.vhost.url, QUEUES.identitySync)).toBe(0);
  });

  it('POST {"dryRun": true} starts a run (202) that counts the drift and publishes nothing', async () => {
    const started = await call('POST', '/api/reconcile/kratos', { token: OPS_TOKEN, body: { dryRun: true } });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({
      provider: 'kratos',
      dryRun: true,
      status: 'running',
      trigger: 'ops-token',
    });
    expect(started.headers.get('location')).toBe(`/api/reconcile/runs/${started.body.id}`);
    const run = await finished(started.body.id);
    expect(run).toMatchObject({
      status: 'succeeded',
      listed: IDENTITIES,
      created: IDENTITIES,
      updated: 0,
      deleted: 0,
    });
    expect(run.drift).toHaveLength(IDENTITIES);
    expect(await queueDepth(h.vhost.url, QUEUES.identitySync)).toBe(0);
    expect(await registry.getSingleMetricAsString(DRIFT_METRIC)).toContain(
      `${DRIFT_METRIC}{provider="kratos",kind="create"} ${IDENTITIES}`,
    );
  });

  it('a real run publishes one KratosIdentityUpdated per missing identity; a concurrent one gets 409', async () => {
    let release!: () => void;
    kratos.beforeListPage(() => new Promise<void>((resolve) => (release = resolve)));
    const started = await call('POST', '/api/reconcile/kratos', { token: OPS_TOKEN, body: {} });
    expect(started.status).toBe(202);
    const busy = await call('POST', '/api/reconcile/kratos', { token: OPS_TOKEN, body: { dryRun: true } });
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe('reconcile_busy');
    kratos.beforeListPage(null);
    release();
    expect(await finished(started.body.id)).toMatchObject({
      status: 'succeeded',
      dryRun: false,
      created: IDENTITIES,
    });
    const messages = await readQueue(h.vhost.url, QUEUES.identitySync, {
      count: IDENTITIES,
      timeoutMs: 10_000,
    });
    expect(messages.map((m) => m.properties.type)).toEqual(Array(IDENTITIES).fill('KratosIdentityUpdated'));
    const listed = await call('GET', '/api/reconcile/runs?provider=kratos&limit=2', { token: readerJwt });
    expect(listed.body.items.map((r: Body) => r.id)).toEqual([started.body.id, expect.any(String)]);
  });
});

describe('console /reconcile', () => {
  it('shows the last runs and what drifted to a signed-in user, and sends others to sign in', async () => {
    const cookie = { cookie: sessionCookie };
    expect((await fetch(`${base}/reconcile`, { redirect: 'manual' })).status).toBe(303);
    const list = await (await fetch(`${base}/reconcile`, { headers: cookie })).text();
    expect(list).toContain('<h1>Reconciliation</h1>');
    expect(list).toContain('(dry run)');
    const [run] = await reconciler.runs.list({ limit: 1 });
    expect(list).toContain(`/reconcile/${run!.id}`);
    const detail = await (await fetch(`${base}/reconcile/${run!.id}`, { headers: cookie })).text();
    expect(detail).toContain('What drifted');
    expect(detail).toContain(run!.drift[0]!.externalId);
    expect((await fetch(`${base}/reconcile/not-a-run`, { headers: cookie })).status).toBe(404);
  });
});

describe('identity-relay reconcile', () => {
  it('--dry-run --json prints exactly the summary keys and exits 0; progress goes to stderr', async () => {
    kratos.put(kratosAdminIdentity());
    const r = await cli(['reconcile', 'kratos', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      provider: 'kratos',
      dryRun: true,
      listed: IDENTITIES + 1,
      created: IDENTITIES + 1,
      updated: 0,
      deleted: 0,
      unchanged: 0,
    });
  }, 240_000);

  it('prints a table by default, and exits 1 with the reason when the mass-delete guard refuses', async () => {
    const table = await cli(['reconcile', 'kratos', '--dry-run']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^provider\s+kratos \(dry run: nothing published\)\nlisted\s+41\n/);
    // Rows the database already has, which the IdP no longer lists: the empty stand-in must not tombstone them.
    await h.prisma.$executeRaw`
      INSERT INTO identities (id, provider, external_id, state, traits, source_updated_at, version, created_at)
      SELECT gen_random_uuid(), 'kratos', 'gone-' || n, 'active', '{}', now(), 1, now() - interval '1 day'
      FROM generate_series(1, 5) AS n`;
    const empty = await startKratosAdminStandIn();
    try {
      const refused = await cli(['reconcile', 'kratos', '--json'], { KRATOS_ADMIN_URL: empty.url });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/refusing to delete 5 of 5 kratos identities/);
      const out = JSON.parse(refused.stdout);
      expect(Object.keys(out)).toEqual([
        'provider',
        'dryRun',
        'listed',
        'created',
        'updated',
        'deleted',
        'unchanged',
        'refused',
      ]);
      expect(out).toMatchObject({ listed: 0, deleted: 0 });
    } finally {
      await empty.close();
    }
  }, 240_000);

  it('exits 2 for an unknown provider or one that is not configured', async () => {
    expect((await cli(['reconcile', 'okta'])).code).toBe(2);
    const unset = await cli(['reconcile', 'authentik']);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('AUTHENTIK_URL');
  }, 240_000);
});
