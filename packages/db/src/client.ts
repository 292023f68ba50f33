import { PrismaPg } from '@prisma/adapter-pg';
import { setFlagsFromString } from 'node:v8';
import pg from 'pg';
import { poolConfig, resolveDbOptions, type DbOptions } from './db-options.js';
import { PrismaClient } from './generated/prisma/client.js';
import { registerSqlPool } from './sql.js';

/**
 * A server-side disconnect (e.g. 57P01 after `pg_terminate_backend`, a failover) makes a pg client emit
 * 'error'. adapter-pg listens only while a client is idle in the pool or inside its own transaction; an
 * event outside those windows would be an uncaught exception that kills the worker. The work in flight on
 * that client already fails with the same error, and the pool discards the client, so the event itself
 * needs no handling beyond not crashing.
 */
function ignoreClientErrors(client: pg.PoolClient): void {
  client.on('error', () => undefined);
}

/**
 * One PrismaClient over one pg pool (@prisma/adapter-pg); the hot paths run statements on the same pool through
 * `sqlTransaction` (sql.ts). Create it once per process and
 * `$disconnect()` it on shutdown; connections are opened lazily, so this never touches the network.
 *
 * An interactive transaction waits for a pooled connection as long as the pool itself does
 * (`connectionTimeoutMs`): Prisma's own default of 2 s made transactions fail with P2028 whenever
 * more handlers ran than the pool had connections (PREFETCH above DB_POOL_MAX) and the database was
 * merely slow, turning load into retries.
 */
export function createPrismaClient(opts: DbOptions): PrismaClient {
  // Prisma's query compiler is a WebAssembly module, compiled on the first query. V8 recompiles its hot functions
  // with TurboFan, which kept ~45 MB more RSS per process (optimised code and the compiler's memory left in malloc
  // arenas) for no measured gain: a typed findMany cost 700–735 µs of CPU either way. Liftoff, V8's baseline wasm
  // compiler, only. A V8 flag that NODE_OPTIONS refuses (the other process settings: infra/process-env.mjs), set
  // before the module is compiled; it affects only WebAssembly.
  setFlagsFromString('--liftoff-only');
  const resolved = resolveDbOptions(opts);
  const config = poolConfig(resolved);
  const pool = new pg.Pool(config);
  pool.on('connect', ignoreClientErrors);
  // An idle client's disconnect is re-emitted on the pool (which has already removed the client); without a
  // listener that re-emit is an uncaught exception, e.g. when the database drops connections after a shutdown began.
  pool.on('error', () => undefined);
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  const prisma = new PrismaClient({ adapter, transactionOptions: { maxWait: resolved.connectionTimeoutMs } });
  registerSqlPool(prisma, pool, config);
  return prisma;
}
