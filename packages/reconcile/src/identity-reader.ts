import { canonicalOfRow, Prisma, sqlQuery, type IdentityRow, type PrismaClient } from '@identity-relay/db';
import type { StoredState } from './classify.js';
import type { Provider } from './types.js';

/**
 * Read-only access to `identities` for the reconciler: it never writes them (identity-sync does). Its statements run
 * through `sqlQuery` on the pg pool behind the Prisma client: a run reads every row of the provider, and pg's typed
 * rows cost about half of Prisma's raw-query layer (per-value conversions, a JSON round trip of the parameters).
 */
export class IdentityReader {
  constructor(private readonly prisma: PrismaClient) {}

  /** The database's clock: rows' `created_at` come from it, so the deletion cut-off must too. */
  async now(): Promise<Date> {
    const [row] = await sqlQuery<{ now: Date }>(this.prisma, Prisma.sql`SELECT clock_timestamp() AS now`);
    return row!.now;
  }

  /**
   * The rows of one page's identities, by external id: one indexed `= ANY` query per page. The source time comes as
   * the text `toISOString` would print (the column keeps milliseconds), which the comparison reads as it is: every
   * listed identity's row is read, and a `Date` parsed per row (postgres-date) only to be printed again cost more
   * than the rest of the row's mapping.
   */
  async storedFor(provider: Provider, externalIds: readonly string[]): Promise<Map<string, StoredState>> {
    const stored = new Map<string, StoredState>();
    if (externalIds.length === 0) return stored;
    const rows = await sqlQuery<StoredRow>(
      this.prisma,
      Prisma.sql`
        SELECT external_id, email, username, email_verified, state, traits, version, deleted_at IS NOT NULL AS deleted,
               to_char(source_updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS source_updated_at
        FROM identities
        WHERE provider = ${provider} AND external_id = ANY(${externalIds as string[]}::text[])`,
    );
    for (const row of rows) {
      stored.set(row.external_id, {
        version: row.version,
        deleted: row.deleted,
        // The time comes as the same ISO text toISOString() would print (to_char above), not parsed into a Date.
        canonical: canonicalOfRow({ ...row, provider }),
      });
    }
    return stored;
  }

  /** Live (not tombstoned) identities of a provider: the base of the mass-delete guard's ratio. */
  async liveCount(provider: Provider): Promise<number> {
    const [row] = await sqlQuery<{ n: string }>(
      this.prisma,
      Prisma.sql`SELECT count(*) AS n FROM identities WHERE provider = ${provider} AND deleted_at IS NULL`,
    );
    return Number(row!.n);
  }

  /**
   * Live rows first stored before `before`, in external-id order, `batch` at a time: a keyset walk over the
   * (provider, external_id) unique index, so memory stays at one batch whatever the directory's size.
   */
  async *walkLive(
    provider: Provider,
    before: Date,
    batch = 1000,
  ): AsyncIterable<Array<{ externalId: string; version: number }>> {
    let after = '';
    for (;;) {
      const rows = await sqlQuery<{ externalId: string; version: number }>(
        this.prisma,
        Prisma.sql`
          SELECT external_id AS "externalId", version FROM identities
          WHERE provider = ${provider} AND external_id > ${after} AND deleted_at IS NULL AND created_at < ${before}
          ORDER BY external_id LIMIT ${batch}`,
      );
      if (rows.length === 0) return;
      yield rows;
      after = rows[rows.length - 1]!.externalId;
      if (rows.length < batch) return;
    }
  }
}

/** One row of `storedFor`: an IdentityRow's compared columns, the source time as ISO text, tombstoned or not. */
type StoredRow = Pick<
  IdentityRow,
  'external_id' | 'email' | 'username' | 'email_verified' | 'state' | 'traits' | 'version'
> & {
  source_updated_at: string;
  deleted: boolean;
};
