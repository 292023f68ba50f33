import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '@identity-relay/db';
import { ReconcileBusyError } from './errors.js';
import type { DriftItem, Provider, ReconcileCounts } from './types.js';

export type RunStatus = 'running' | 'succeeded' | 'refused' | 'failed' | 'abandoned';

/** A row of `reconcile_runs`, as the ops API returns it. */
export interface RunRecord extends ReconcileCounts {
  id: string;
  provider: Provider;
  dryRun: boolean;
  trigger: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  drift: DriftItem[];
  error: string | null;
}

interface RunRow {
  id: string;
  provider: Provider;
  dry_run: boolean;
  trigger: string;
  status: RunStatus;
  started_at: Date;
  finished_at: Date | null;
  listed: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  drift: DriftItem[];
  error: string | null;
}

function toRecord(r: RunRow): RunRecord {
  return {
    id: r.id,
    provider: r.provider,
    dryRun: r.dry_run,
    trigger: r.trigger,
    status: r.status,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    listed: r.listed,
    created: r.created,
    updated: r.updated,
    deleted: r.deleted,
    unchanged: r.unchanged,
    drift: r.drift,
    error: r.error,
  };
}

/**
 * `reconcile_runs` (history) and `reconcile_leases` (one run at a time per provider across replicas). Every
 * statement stands alone — no session state, no lock held across transactions — so it works through PgBouncer
 * in transaction mode. A lease that is not renewed lapses, so a crashed run blocks the next one only for
 * `leaseMs`; its row is then marked `abandoned`.
 */
export class RunStore {
  constructor(
    private readonly prisma: PrismaClient,
    /** (default=60000, milliseconds) How long a lease lasts unless renewed. */
    readonly leaseMs = 60_000,
  ) {}

  /** Takes the provider's lease and records a running run; throws ReconcileBusyError while another holds it. */
  async begin(opts: { provider: Provider; dryRun: boolean; trigger: string }): Promise<RunRecord> {
    const id = randomUUID();
    const interval = `${this.leaseMs} milliseconds`;
    const taken = await this.prisma.$queryRaw<{ run_id: string }[]>`
      INSERT INTO reconcile_leases (provider, run_id, expires_at)
      VALUES (${opts.provider}, ${id}::uuid, now() + ${interval}::interval)
      ON CONFLICT (provider) DO UPDATE SET run_id = excluded.run_id, expires_at = excluded.expires_at
        WHERE reconcile_leases.expires_at < now()
      RETURNING run_id`;
    if (taken.length === 0) {
      const [holder] = await this.prisma.$queryRaw<{ run_id: string }[]>`
        SELECT run_id FROM reconcile_leases WHERE provider = ${opts.provider}`;
      throw new ReconcileBusyError(opts.provider, holder?.run_id ?? 'unknown');
    }
    // Runs of this provider still marked running lost their lease (we hold it now): their process died.
    await this.prisma.$executeRaw`
      UPDATE reconcile_runs SET status = 'abandoned', finished_at = now(), error = 'the run stopped renewing its lease'
      WHERE provider = ${opts.provider} AND status = 'running'`;
    const [row] = await this.prisma.$queryRaw<RunRow[]>`
      INSERT INTO reconcile_runs (id, provider, dry_run, trigger, status, started_at)
      VALUES (${id}::uuid, ${opts.provider}, ${opts.dryRun}, ${opts.trigger}, 'running', now())
      RETURNING *`;
    return toRecord(row!);
  }

  /** Extends the lease; false when it was lost (lapsed and taken by another run). */
  async renew(run: Pick<RunRecord, 'id' | 'provider'>): Promise<boolean> {
    const interval = `${this.leaseMs} milliseconds`;
    const n = await this.prisma.$executeRaw`
      UPDATE reconcile_leases SET expires_at = now() + ${interval}::interval
      WHERE provider = ${run.provider} AND run_id = ${run.id}::uuid`;
    return n === 1;
  }

  /** Records the outcome and releases the lease. */
  async finish(
    run: Pick<RunRecord, 'id' | 'provider'>,
    outcome: {
      status: Exclude<RunStatus, 'running'>;
      counts: ReconcileCounts;
      drift: DriftItem[];
      error?: string;
    },
  ): Promise<void> {
    const c = outcome.counts;
    await this.prisma.$executeRaw`
      UPDATE reconcile_runs SET status = ${outcome.status}, finished_at = now(), listed = ${c.listed},
        created = ${c.created}, updated = ${c.updated}, deleted = ${c.deleted}, unchanged = ${c.unchanged},
        drift = ${JSON.stringify(outcome.drift)}::jsonb, error = ${outcome.error ?? null}
      WHERE id = ${run.id}::uuid`;
    await this.prisma.$executeRaw`
      DELETE FROM reconcile_leases WHERE provider = ${run.provider} AND run_id = ${run.id}::uuid`;
  }

  /** Latest runs first; `provider` filters. */
  async list(opts: { provider?: Provider; limit?: number } = {}): Promise<RunRecord[]> {
    const limit = Math.min(Math.max(opts.limit ?? 20, 1), 200);
    const rows = opts.provider
      ? await this.prisma.$queryRaw<RunRow[]>`
          SELECT * FROM reconcile_runs WHERE provider = ${opts.provider} ORDER BY started_at DESC LIMIT ${limit}`
      : await this.prisma.$queryRaw<
          RunRow[]
        >`SELECT * FROM reconcile_runs ORDER BY started_at DESC LIMIT ${limit}`;
    return rows.map(toRecord);
  }

  async get(id: string): Promise<RunRecord | null> {
    const rows = await this.prisma.$queryRaw<RunRow[]>`SELECT * FROM reconcile_runs WHERE id = ${id}::uuid`;
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** When the provider's last real (not dry) run with one of `statuses` started; the schedule counts from it. */
  async lastStartedAt(provider: Provider, statuses: readonly RunStatus[]): Promise<Date | null> {
    const [row] = await this.prisma.$queryRaw<{ at: Date | null }[]>`
      SELECT max(started_at) AS at FROM reconcile_runs
      WHERE provider = ${provider} AND dry_run = false AND status = ANY(${statuses as RunStatus[]}::text[])`;
    return row?.at ?? null;
  }
}
