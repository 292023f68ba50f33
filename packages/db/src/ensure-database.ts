import pg from 'pg';
import { databaseName, quoteIdent, redactUrl, withDatabase } from './database-url.js';
import { DatabaseUnavailableError } from './errors.js';
import { isTransientDbError } from './transient.js';

// Database every Postgres cluster has, used to create the missing one.
const MAINTENANCE_DB = 'postgres';
/** Timeout of one connection attempt, in milliseconds. */
const CONNECT_TIMEOUT_MS = 5000;
/** (default) How long withClient keeps trying while a pooler holds or refuses logins, in milliseconds. */
export const DEFAULT_CONNECT_WAIT_MS = 30_000;
const CONNECT_RETRY_DELAY_MS = 500;

export interface ConnectOptions {
  /**
   * (default=30000) How long to keep trying while the server (or a pooler in front of it) answers
   * logins with a timeout or a temporary refusal, in milliseconds. PgBouncer holds new logins for
   * `server_login_retry` (15 s by default) after a failed one, e.g. to a database just created.
   * A refused TCP connection fails at once.
   */
  connectWaitMs?: number;
}

/**
 * Creates the database `databaseUrl` names when it does not exist. Returns true if this call created
 * it. Safe when several processes race to create the same database: the loser returns false.
 */
export async function ensureDatabase(databaseUrl: string, opts: ConnectOptions = {}): Promise<boolean> {
  const name = databaseName(databaseUrl);
  if (await databaseExists(databaseUrl, opts)) return false;
  return withClient(
    withDatabase(databaseUrl, MAINTENANCE_DB),
    async (client) => {
      try {
        await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
        return true;
      } catch (err) {
        // 42P04 duplicate_database; 23505 when two CREATEs race on pg_database's unique index.
        if (sqlState(err) === '42P04' || sqlState(err) === '23505') return false;
        throw err;
      }
    },
    opts,
  );
}

// Try the database itself first: a role may connect to it without any access to `postgres`.
async function databaseExists(databaseUrl: string, opts: ConnectOptions): Promise<boolean> {
  try {
    await withClient(databaseUrl, async () => undefined, opts);
    return true;
  } catch (err) {
    if (isMissingDatabase(err)) return false;
    throw err;
  }
}

/**
 * "This database does not exist", however it is worded: Postgres says 3D000 (invalid_catalog_name);
 * PgBouncer relays the server's refusal as a protocol error (08P01) with the same text.
 */
export function isMissingDatabase(err: unknown): boolean {
  if (sqlState(err) === '3D000') return true;
  const message = (err as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' && /database "[^"]*" does not exist/i.test(message);
}

/**
 * A login the server or a pooler may accept a moment later: the attempt timed out (PgBouncer holds
 * logins while it retries the server) or a pooler refused it for now (08P01 other than a missing
 * database, e.g. "server login has been failing, try again later").
 */
function isLoginToRetry(err: unknown): boolean {
  if (isMissingDatabase(err)) return false;
  if (sqlState(err) === '08P01') return true;
  const message = (err as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' && /timeout expired|connection timeout/i.test(message);
}

/**
 * Runs `fn` on a fresh connection (not a pool) and closes it; an unreachable server is
 * DatabaseUnavailableError. Logins a pooler holds or refuses for now are retried for `connectWaitMs`.
 */
export async function withClient<T>(
  databaseUrl: string,
  fn: (client: pg.Client) => Promise<T>,
  opts: ConnectOptions = {},
): Promise<T> {
  const client = await connectClient(databaseUrl, opts.connectWaitMs ?? DEFAULT_CONNECT_WAIT_MS);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function connectClient(databaseUrl: string, waitMs: number): Promise<pg.Client> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const client = new pg.Client({
      connectionString: databaseUrl,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    // A connection dropped while idle must not crash the process; the next query fails instead.
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (cause) {
      await client.end().catch(() => undefined);
      if (isLoginToRetry(cause) && Date.now() + CONNECT_RETRY_DELAY_MS < deadline) {
        await new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_DELAY_MS));
        continue;
      }
      if (isTransientDbError(cause) || isLoginToRetry(cause)) {
        throw new DatabaseUnavailableError(`Cannot connect to ${redactUrl(databaseUrl)}`, { cause });
      }
      throw cause;
    }
  }
}

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
