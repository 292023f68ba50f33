import { PrismaPg } from '@prisma/adapter-pg';
import { poolConfig, resolveDbOptions, type DbOptions } from './db-options.js';
import { PrismaClient } from './generated/prisma/client.js';

/**
 * One PrismaClient over one pg pool (@prisma/adapter-pg). Create it once per process and
 * `$disconnect()` it on shutdown; connections are opened lazily, so this never touches the network.
 */
export function createPrismaClient(opts: DbOptions): PrismaClient {
  const adapter = new PrismaPg(poolConfig(resolveDbOptions(opts)));
  return new PrismaClient({ adapter });
}
