import { PrismaPg } from '@prisma/adapter-pg';
import { poolConfig, resolveDbOptions, type DbOptions } from './db-options.js';
import { PrismaClient } from './generated/prisma/client.js';

/**
 * One PrismaClient over one pg pool (@prisma/adapter-pg). Create it once per process and
 * `$disconnect()` it on shutdown; connections are opened lazily, so this never touches the network.
 *
 * An interactive transaction waits for a pooled connection as long as the pool itself does
 * (`connectionTimeoutMs`): Prisma's own default of 2 s made transactions fail with P2028 whenever
 * more handlers ran than the pool had connections (PREFETCH above DB_POOL_MAX) and the database was
 * merely slow, turning load into retries.
 */
export function createPrismaClient(opts: DbOptions): PrismaClient {
  const resolved = resolveDbOptions(opts);
  const adapter = new PrismaPg(poolConfig(resolved));
  return new PrismaClient({ adapter, transactionOptions: { maxWait: resolved.connectionTimeoutMs } });
}
