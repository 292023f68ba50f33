import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { kratosToCanonical, type KratosIdentity } from '@identity-relay/contracts';
import {
  kratosAdminIdentity,
  startKratosAdminStandIn,
  type KratosAdminIdentity,
  type KratosAdminStandIn,
} from '@identity-relay/test-support';
import type { BenchContext } from '../lib/context.js';
import { cpuSeconds } from '../lib/cpu.js';
import { serviceEnv, withInfra, type Infra } from '../lib/infra.js';
import { scenario, type ScenarioResult } from '../lib/results.js';
import { startService } from '../lib/services.js';
import { round } from '../lib/stats.js';

/** RECONCILE_PAGE_SIZE of both the reconciler and the floor: the reconciler's default, Kratos' default page. */
const PAGE_SIZE = 250;
/** Drift per 100 identities: missing here (→ create), changed at the IdP (→ update), gone at the IdP (→ delete). */
const DRIFT = { create: 2, update: 2, delete: 1 };
/** The reconciler's peak RSS limit, in MB. */
const RSS_LIMIT_MB = 200;
/** Rows per seeding statement. */
const SEED_CHUNK = 5000;

interface Expected {
  listed: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

interface RunRow extends Expected {
  status: string;
  ms: number;
  error: string | null;
}

/**
 * One reconciliation of N Kratos identities with a few percent drift: the Kratos admin-API stand-in (this process)
 * lists N identities; `identities` holds them minus 2% (→ creates), 2% with other traits and an older time
 * (→ updates) and 1% more that the IdP no longer has (→ deletions, confirmed by `GET /admin/identities?ids=…`).
 * The reconciler service runs compiled in its own process (RECONCILE_INTERVAL set: its first run starts at once);
 * its run time is the recorded run's start to finish and its peak RSS the kernel's high-water mark (VmHWM). Floor:
 * the same-run time of paging once through the same stand-in with the same client and page size, in its own
 * process, doing nothing with the pages.
 */
export async function reconcileScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const n = ctx.reconcileIdentities;
  const result = scenario('reconcile', 'Reconciler: Kratos directory with drift', {
    identities: n,
    pageSize: PAGE_SIZE,
    driftPercent: DRIFT,
  });
  return withInfra(async (infra) => {
    const kratos = await startKratosAdminStandIn();
    try {
      const started = performance.now();
      const expected = await seed(infra, kratos, n);
      ctx.log(`  seeded ${n} identities in ${Math.round(performance.now() - started)} ms`);
      const floor = await pageFloor(ctx, kratos.url);
      ctx.log(`  floor: ${Math.round(floor.floorMs)} ms for ${floor.identities} identities`);
      const run = await reconcilerRun(ctx, infra, kratos.url);
      ctx.log(`  reconciler: ${run.row.ms} ms, peak RSS ${Math.round(run.peakRssMb)} MB`);
      const ratio = run.row.ms / floor.floorMs;
      result.figures.push(
        {
          metric: 'reconcile run time',
          value: round(run.row.ms / 1000),
          unit: 's',
          baselines: { 'paging through the admin API (floor)': round(floor.floorMs / 1000) },
          target: '≤ 2× the floor',
          met: run.row.status === 'succeeded' && ratio <= 2,
        },
        {
          metric: 'reconciler peak RSS',
          value: round(run.peakRssMb),
          unit: 'MB',
          baselines: {
            'floor process peak': round(floor.peakRssMb),
            'reconciler at start': round(run.idleRssMb),
          },
          target: `≤ ${RSS_LIMIT_MB} MB`,
          met: run.peakRssMb <= RSS_LIMIT_MB,
        },
      );
      const counts = (c: Expected) =>
        `listed ${c.listed}, created ${c.created}, updated ${c.updated}, deleted ${c.deleted}, unchanged ${c.unchanged}`;
      const { status, error, ms: _ms, ...found } = run.row;
      const matches = (Object.keys(expected) as Array<keyof Expected>).every((k) => found[k] === expected[k]);
      result.notes.push(
        `Run ${status}: ${counts(found)}${matches ? ' (as seeded)' : `; seeded drift was ${counts(expected)}`}${error ? `; ${error}` : ''}.`,
        `Reconciler = ${round(ratio)}× the floor (${floor.pages} pages of ${PAGE_SIZE}); deletion candidates were confirmed by ${kratos.calls.ids} lookups by ids and ${kratos.calls.get} direct GETs. Repairs were published to identity.events with confirms (identity-sync not running: the figure is the reconciler's).`,
        `CPU: reconciler ${round(run.cpuSeconds)} s (from its readiness to the run's end), floor process ${round(floor.cpuSeconds)} s; machine load average at the end ${round(loadavg()[0]!)} on ${cpus().length} cores (a starved process's wall time is its CPU time over its share).`,
        'The admin-API stand-in runs in the benchmark process and serves both the floor and the reconciler.',
      );
      result.charts.push({
        id: 'reconcile',
        title: `Reconciling ${n.toLocaleString('en-US')} Kratos identities`,
        unit: 's',
        kind: 'bars',
        bars: [
          {
            label: 'paging through the admin API (floor)',
            value: round(floor.floorMs / 1000),
            baseline: true,
          },
          { label: 'reconcile run', value: round(run.row.ms / 1000) },
        ],
      });
      return result;
    } finally {
      await kratos.close();
    }
  });
}

/** Fills the stand-in with `n` identities and `identities` with the drifted copy; returns the drift a run must find. */
async function seed(infra: Infra, kratos: KratosAdminStandIn, n: number): Promise<Expected> {
  // Ids in order: the stand-in keeps them sorted, and appending is cheap.
  const ids = Array.from({ length: n }, () => randomUUID()).sort();
  const at = new Date(Date.now() - 3_600_000);
  const older = new Date(at.getTime() - 86_400_000);
  const expected: Expected = { listed: n, created: 0, updated: 0, deleted: 0, unchanged: 0 };
  let rows: object[] = [];
  const flush = async (force = false) => {
    if (rows.length === 0 || (!force && rows.length < SEED_CHUNK)) return;
    await insertRows(infra, rows);
    rows = [];
  };
  for (const [i, id] of ids.entries()) {
    const identity = kratosAdminIdentity({ id, at, userType: i % 3 === 0 ? 'student' : 'educator' });
    kratos.put(identity);
    const slot = i % 100;
    if (slot < DRIFT.create) {
      expected.created++;
    } else if (slot < DRIFT.create + DRIFT.update) {
      expected.updated++;
      rows.push(rowOf({ ...identity, updated_at: older.toISOString() }, { user_type: 'former' }));
    } else {
      expected.unchanged++;
      rows.push(rowOf(identity));
    }
    await flush();
  }
  const gone = Math.round((n * DRIFT.delete) / 100);
  for (let i = 0; i < gone; i++) {
    rows.push(rowOf(kratosAdminIdentity({ at: older })));
    expected.deleted++;
    await flush();
  }
  await flush(true);
  // What autovacuum would have done to a table that grew to this size (it is off on some development servers):
  // without statistics the planner takes a freshly loaded table for a few rows and answers each keyset step of the
  // deletion walk by sorting the rest of the table (~0.3 s per step at 100,000 rows instead of ~5 ms).
  await infra.pool.query('ANALYZE identities');
  return expected;
}

/** An `identities` row as identity-sync would have stored `identity` (traits optionally changed since). */
function rowOf(identity: KratosAdminIdentity, traits?: Record<string, unknown>): object {
  const c = kratosToCanonical(identity as unknown as KratosIdentity, identity.updated_at);
  return {
    provider: c.provider,
    external_id: c.externalId,
    email: c.email,
    username: c.username,
    email_verified: c.emailVerified,
    state: c.state,
    traits: traits ? { ...c.traits, ...traits } : c.traits,
    source_updated_at: c.sourceUpdatedAt,
  };
}

/** One multi-row INSERT per chunk (a JSON document Postgres unpacks), not the pipeline. */
async function insertRows(infra: Infra, rows: object[]): Promise<void> {
  await infra.pool.query(
    `INSERT INTO identities (id, provider, external_id, email, username, email_verified, state, traits,
                             source_updated_at, version, created_at, updated_at)
     SELECT gen_random_uuid(), u.provider, u.external_id, u.email, u.username, u.email_verified, u.state, u.traits,
            u.source_updated_at, 1, now() - interval '1 minute', now() - interval '1 minute'
     FROM jsonb_to_recordset($1::jsonb) AS u(provider text, external_id text, email text, username text,
          email_verified boolean, state text, traits jsonb, source_updated_at timestamptz)`,
    [JSON.stringify(rows)],
  );
}

interface Floor {
  floorMs: number;
  identities: number;
  pages: number;
  peakRssMb: number;
  cpuSeconds: number;
}

async function pageFloor(ctx: BenchContext, adminUrl: string): Promise<Floor> {
  const proc = await startService({
    name: 'reconcile-floor',
    script: 'bench/baselines/kratos-list-floor.ts',
    env: { KRATOS_ADMIN_URL: adminUrl, RECONCILE_PAGE_SIZE: String(PAGE_SIZE) },
    ready: /"floorMs"/,
    logDir: ctx.runDir,
    timeoutMs: 600_000,
  });
  await proc.stop();
  const line = readFileSync(proc.logFile, 'utf8')
    .split('\n')
    .find((l) => l.includes('"floorMs"'));
  return JSON.parse(line!) as Floor;
}

async function reconcilerRun(
  ctx: BenchContext,
  infra: Infra,
  adminUrl: string,
): Promise<{ row: RunRow; peakRssMb: number; idleRssMb: number; cpuSeconds: number }> {
  const proc = await startService({
    name: 'reconcile-reconciler',
    script: 'services/reconciler/src/main.ts',
    env: serviceEnv(infra, {
      KRATOS_ADMIN_URL: adminUrl,
      RECONCILE_PAGE_SIZE: String(PAGE_SIZE),
      // The first scheduled run starts as the service starts; no second one within the scenario.
      RECONCILE_INTERVAL: '1d',
    }),
    ready: /reconciler consuming/,
    logDir: ctx.runDir,
    timeoutMs: ctx.readyTimeoutMs,
    cpuProfDir: ctx.cpuProfDir,
  });
  const idleRssMb = proc.rssMb();
  const cpuAtStart = cpuSeconds(proc.pid);
  try {
    const deadline = Date.now() + 900_000;
    for (;;) {
      const { rows } = await infra.pool.query<RunRow>(
        `SELECT status, listed, created, updated, deleted, unchanged, error,
                round(extract(epoch FROM finished_at - started_at) * 1000)::int AS ms
         FROM reconcile_runs WHERE provider = 'kratos' AND status <> 'running' ORDER BY started_at LIMIT 1`,
      );
      if (rows[0]) {
        const cpu = cpuSeconds(proc.pid) - cpuAtStart;
        return { row: rows[0], peakRssMb: proc.peakRssMb(), idleRssMb, cpuSeconds: cpu };
      }
      if (Date.now() > deadline) throw new Error('the reconcile run did not finish within 15 minutes');
      await sleep(200);
    }
  } finally {
    await proc.stop();
  }
}
