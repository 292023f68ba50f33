import { canonicalOfRow, identityColumns, type IdentityRow, type PrismaClient } from '@identity-relay/db';
import type { StoredState } from './classify.js';
import type { Provider } from './types.js';

/** Read-only access to `identities` for the reconciler: it never writes them (identity-sync does). */
export class IdentityReader {
  constructor(private readonly prisma: PrismaClient) {}

  /** The database's clock: rows' `created_at` come from it, so the deletion cut-off must too. */
  async now(): Promise<Date> {
    const [row] = await this.prisma.$queryRaw<{ now: Date }[]>`SELECT clock_timestamp() AS now`;
    return row!.now;
  }

  /** The rows of one page's identities, by external id (one indexed query per page). */
  async storedFor(provider: Provider, externalIds: readonly string[]): Promise<Map<string, StoredState>> {
    if (externalIds.length === 0) return new Map();
    const rows = await this.prisma.$queryRaw<IdentityRow[]>`
      SELECT ${identityColumns('identities')}
      FROM identities WHERE provider = ${provider} AND external_id = ANY(${externalIds as string[]}::text[])`;
    const stored = new Map<string, StoredState>();
    for (const r of rows) {
      stored.set(r.external_id, {
        version: r.version,
        deleted: r.deleted_at !== null,
        canonical: canonicalOfRow(r),
      });
    }
    return stored;
  }

  /** Live (not tombstoned) identities of a provider: the base of the mass-delete guard's ratio. */
  async liveCount(provider: Provider): Promise<number> {
    const [row] = await this.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM identities WHERE provider = ${provider} AND deleted_at IS NULL`;
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
      const rows = await this.prisma.$queryRaw<{ external_id: string; version: number }[]>`
        SELECT external_id, version FROM identities
        WHERE provider = ${provider} AND external_id > ${after} AND deleted_at IS NULL AND created_at < ${before}
        ORDER BY external_id LIMIT ${batch}`;
      if (rows.length === 0) return;
      yield rows.map((r) => ({ externalId: r.external_id, version: r.version }));
      after = rows[rows.length - 1]!.external_id;
      if (rows.length < batch) return;
    }
  }
}
