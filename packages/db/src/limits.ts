/**
 * Defaults and ranges of database options that operators also set through the environment (DB_POOL_MAX): stated
 * here once, read by createPrismaClient's option check and by the runtime's configuration. No pg or Prisma here:
 * the runtime's configuration imports it.
 */

/** Connections in a process's pg pool unless told otherwise (DB_POOL_MAX). */
export const DEFAULT_POOL_MAX = 10;
/** Most connections one process's pool may open: Postgres' own default max_connections is 100. */
export const MAX_POOL_MAX = 200;
