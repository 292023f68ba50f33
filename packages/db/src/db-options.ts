import type { PoolConfig } from 'pg';
import { DEFAULT_POOL_MAX, MAX_POOL_MAX } from './limits.js';

export interface DbOptions {
  /** postgresql:// connection string. Required. */
  databaseUrl: string;
  /** (default=DEFAULT_POOL_MAX, 10) Max connections in this process's pool, 1..MAX_POOL_MAX (200). */
  poolMax?: number;
  /** (default=5000) Max wait for a pooled connection (also to start an interactive transaction), in milliseconds, 1..600000. */
  connectionTimeoutMs?: number;
  /** (default=30000) Idle time before a pooled connection is closed, in milliseconds, 0..86400000 (0 = never). */
  idleTimeoutMs?: number;
  /** (default=unset, server default) Per-statement timeout, in milliseconds, 1..86400000. */
  statementTimeoutMs?: number;
  /** (default=unset) `application_name` shown in pg_stat_activity, up to 63 characters. */
  applicationName?: string;
}

export type ResolvedDbOptions = Required<Omit<DbOptions, 'statementTimeoutMs' | 'applicationName'>> &
  Pick<DbOptions, 'statementTimeoutMs' | 'applicationName'>;

/** Checks every option once and fills defaults; throws a RangeError naming the first bad one. */
export function resolveDbOptions(opts: DbOptions): ResolvedDbOptions {
  if (typeof opts.databaseUrl !== 'string' || !/^postgres(ql)?:\/\//.test(opts.databaseUrl)) {
    throw new RangeError('databaseUrl must be a postgresql:// URL');
  }
  if (opts.applicationName !== undefined && opts.applicationName.length > 63) {
    throw new RangeError('applicationName must be at most 63 characters');
  }
  return {
    databaseUrl: opts.databaseUrl,
    poolMax: intInRange('poolMax', opts.poolMax ?? DEFAULT_POOL_MAX, 1, MAX_POOL_MAX),
    connectionTimeoutMs: intInRange('connectionTimeoutMs', opts.connectionTimeoutMs ?? 5000, 1, 600_000),
    idleTimeoutMs: intInRange('idleTimeoutMs', opts.idleTimeoutMs ?? 30_000, 0, 86_400_000),
    statementTimeoutMs:
      opts.statementTimeoutMs === undefined
        ? undefined
        : intInRange('statementTimeoutMs', opts.statementTimeoutMs, 1, 86_400_000),
    applicationName: opts.applicationName,
  };
}

function intInRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

/** The pg pool settings behind a Prisma client: explicit, so behaviour does not drift with pg defaults. */
export function poolConfig(opts: ResolvedDbOptions): PoolConfig {
  return {
    connectionString: opts.databaseUrl,
    max: opts.poolMax,
    connectionTimeoutMillis: opts.connectionTimeoutMs,
    idleTimeoutMillis: opts.idleTimeoutMs,
    // Detect half-open connections (e.g. after a failover) instead of hanging on them.
    keepAlive: true,
    ...(opts.statementTimeoutMs !== undefined && { statement_timeout: opts.statementTimeoutMs }),
    ...(opts.applicationName !== undefined && { application_name: opts.applicationName }),
  };
}
