import pg from 'pg';
import { databaseName, quoteIdent, redactUrl, withDatabase } from './database-url.js';
import { DatabaseUnavailableError } from './errors.js';
import { isTransientDbError } from './transient.js';

// Database every Postgres cluster has, used to create the missing one.
const MAINTENANCE_DB = 'postgres';
const CONNECT_TIMEOUT_MS = 5000;

/**
 * Creates the database `databaseUrl` names when it does not exist. Returns true if this call created
 * it. Safe when several processes race to create the same database: the loser returns false.
 */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const name = databaseName(databaseUrl);
  if (await databaseExists(databaseUrl)) return false;
  return withClient(withDatabase(databaseUrl, MAINTENANCE_DB), async (client) => {
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
      return true;
    } catch (err) {
      // 42P04 duplicate_database; 23505 when two CREATEs race on pg_database's unique index.
      if (sqlState(err) === '42P04' || sqlState(err) === '23505') return false;
      throw err;
    }
  });
}

// Try the database itself first: a role may connect to it without any access to `postgres`.
async function databaseExists(databaseUrl: string): Promise<boolean> {
  try {
    await withClient(databaseUrl, async () => undefined);
    return true;
  } catch (err) {
    if (sqlState(err) === '3D000') return false; // invalid_catalog_name
    throw err;
  }
}

/** Runs `fn` on a fresh connection (not a pool) and closes it; an unreachable server is DatabaseUnavailableError. */
export async function withClient<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // A connection dropped while idle must not crash the process; the next query fails instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (cause) {
    await client.end().catch(() => undefined);
    if (isTransientDbError(cause)) {
      throw new DatabaseUnavailableError(`Cannot connect to ${redactUrl(databaseUrl)}`, { cause });
    }
    throw cause;
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
