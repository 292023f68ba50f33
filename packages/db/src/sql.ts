import pg from 'pg';
import type { Prisma, PrismaClient } from './generated/prisma/client.js';

/**
 * The statement interface of the hot paths (identity-sync's apply and relay, the subscribers' batch, the
 * notifier's claims and marks): `Prisma.sql` templates run on a connection of the pg pool behind the
 * process' Prisma client. Prisma stays the schema owner and serves everything else; on these paths its
 * raw-query layer serialised every parameter with JSON.stringify and parsed it back before pg saw it, plus
 * an interactive transaction's bookkeeping per statement — the largest share of a worker's CPU after its
 * own code (docs/benchmarks.md).
 *
 * Values and results are pg's: text/uuid → string, int4 → number, int8 and numeric → string,
 * timestamptz → Date, json/jsonb → parsed. Arrays are sent as Postgres array literals, so cast them
 * (`${ids}::uuid[]`).
 */
export interface SqlTx {
  /** Rows of a statement. */
  query<R>(statement: Prisma.Sql): Promise<R[]>;
  /** Rows affected by a statement (INSERT/UPDATE/DELETE). */
  execute(statement: Prisma.Sql): Promise<number>;
}

export interface SqlTransactionOptions {
  /**
   * (default=30000) Milliseconds the whole transaction may take. When it runs out its server process is
   * terminated (`pg_terminate_backend` from a connection of its own), which ends the statement in flight, rolls
   * the transaction back and releases its locks at once; the caller gets a `SqlTransactionTimeoutError`
   * (transient).
   */
  timeoutMs?: number;
}

export class SqlTransactionTimeoutError extends Error {
  /** Read by isTransientDbError: a timed-out transaction may succeed when simply tried again. */
  readonly code = 'P1008';
  constructor(timeoutMs: number) {
    super(`database transaction did not finish within ${timeoutMs} ms`);
    this.name = 'SqlTransactionTimeoutError';
  }
}

interface SqlPool {
  pool: pg.Pool;
  /** The pool's connection settings, for the one-off connection that ends a timed-out transaction. */
  config: pg.ClientConfig;
}

const pools = new WeakMap<PrismaClient, SqlPool>();

/** Records the pool behind a client made by `createPrismaClient`. */
export function registerSqlPool(prisma: PrismaClient, pool: pg.Pool, config: pg.ClientConfig): void {
  pools.set(prisma, { pool, config });
}

function sqlPoolOf(prisma: PrismaClient): SqlPool {
  const found = pools.get(prisma);
  if (!found)
    throw new Error('this PrismaClient was not made by createPrismaClient; it has no pg pool to share');
  return found;
}

/**
 * Ends a backend from a connection of its own: the pool may be full of the very transactions that wait. A socket
 * closed by the client alone would leave the backend running its statement (Postgres notices a gone client
 * only when it next talks to it), holding its locks until then.
 */
async function terminateBackend(config: pg.ClientConfig, pid: number): Promise<void> {
  const admin = new pg.Client({ ...config, statement_timeout: undefined });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/** Statements on a pooled connection (inside a transaction) or on the pool itself (each autocommitted). */
function sqlTxOn(target: pg.PoolClient | pg.Pool): SqlTx {
  return {
    async query<R>(statement: Prisma.Sql) {
      const result = await target.query(statement.text, statement.values);
      return result.rows as R[];
    },
    async execute(statement: Prisma.Sql) {
      const result = await target.query(statement.text, statement.values);
      return result.rowCount ?? 0;
    },
  };
}

/**
 * Runs `fn` in one transaction on a pooled connection (BEGIN … COMMIT, ROLLBACK when it throws) and returns
 * its result. A connection that failed or timed out is discarded rather than returned to the pool.
 */
export async function sqlTransaction<T>(
  prisma: PrismaClient,
  fn: (tx: SqlTx) => Promise<T>,
  opts: SqlTransactionOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const { pool, config } = sqlPoolOf(prisma);
  const client = await pool.connect();
  const pid = (client as pg.PoolClient & { processID?: number }).processID;
  let timedOut = false;
  let broken: Error | undefined;
  let terminated: Promise<void> | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    broken = new SqlTransactionTimeoutError(timeoutMs);
    terminated =
      pid == null
        ? client.end().catch(() => undefined)
        : terminateBackend(config, pid).catch(() => void client.end().catch(() => undefined));
  }, timeoutMs);
  try {
    await client.query('BEGIN');
    const result = await fn(sqlTxOn(client));
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (timedOut) {
      await terminated;
      throw broken!;
    }
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw error;
  } finally {
    clearTimeout(timer);
    client.release(broken);
  }
}

/** One statement outside a transaction (autocommit), on a pooled connection. */
export async function sqlQuery<R>(prisma: PrismaClient, statement: Prisma.Sql): Promise<R[]> {
  return sqlTxOn(sqlPoolOf(prisma).pool).query<R>(statement);
}

/** Rows affected by one statement outside a transaction (autocommit). */
export async function sqlExecute(prisma: PrismaClient, statement: Prisma.Sql): Promise<number> {
  return sqlTxOn(sqlPoolOf(prisma).pool).execute(statement);
}
