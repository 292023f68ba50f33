import type { CanonicalIdentity } from '@identity-relay/contracts';
import type { PrismaClient } from '@identity-relay/db';
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

  /**
   * The rows of one page's identities, by external id: one indexed query per page, its rows as one JSON document
   * (a single text value for Prisma to hand over, one `JSON.parse` here) rather than 250 rows of 11 typed columns,
   * whose per-value conversions (timestamps to Date and back, JSON columns) cost more than the comparison itself.
   * The time comes as epoch milliseconds (`source_updated_at` keeps milliseconds) and is printed as `toISOString`.
   */
  async storedFor(provider: Provider, externalIds: readonly string[]): Promise<Map<string, StoredState>> {
    const stored = new Map<string, StoredState>();
    if (externalIds.length === 0) return stored;
    const [result] = await this.prisma.$queryRaw<Array<{ rows: string | null }>>`
      SELECT json_agg(json_build_object(
               'e', external_id, 'm', email, 'u', username, 'v', email_verified, 's', state, 't', traits,
               'at', extract(epoch FROM source_updated_at) * 1000, 'n', version, 'd', deleted_at IS NOT NULL
             ))::text AS rows
      FROM identities WHERE provider = ${provider} AND external_id = ANY(${externalIds as string[]}::text[])`;
    if (!result?.rows) return stored;
    for (const r of JSON.parse(result.rows) as StoredRow[]) {
      stored.set(r.e, {
        version: r.n,
        deleted: r.d,
        canonical: {
          provider,
          externalId: r.e,
          email: r.m,
          username: r.u,
          emailVerified: r.v,
          state: r.s,
          traits: r.t,
          sourceUpdatedAt: new Date(r.at).toISOString(),
        },
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

/** One row of `storedFor`'s JSON document (short keys: the document is built for every listed identity). */
interface StoredRow {
  e: string;
  m: string | null;
  u: string | null;
  v: boolean;
  s: CanonicalIdentity['state'];
  t: Record<string, unknown>;
  at: number;
  n: number;
  d: boolean;
}
