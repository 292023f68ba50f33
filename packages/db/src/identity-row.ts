import type { CanonicalIdentity } from '@identity-relay/contracts';
import { Prisma } from './generated/prisma/client.js';

/** An `identities` row as the raw queries of identity-sync and the reconciler read it. */
export interface IdentityRow {
  id: string;
  provider: CanonicalIdentity['provider'];
  external_id: string;
  email: string | null;
  username: string | null;
  email_verified: boolean;
  state: CanonicalIdentity['state'];
  traits: Record<string, unknown>;
  source_updated_at: Date;
  version: number;
  deleted_at: Date | null;
}

const COLUMNS: ReadonlyArray<keyof IdentityRow> = [
  'id',
  'provider',
  'external_id',
  'email',
  'username',
  'email_verified',
  'state',
  'traits',
  'source_updated_at',
  'version',
  'deleted_at',
];

/** The select list of an IdentityRow, each column qualified by `alias` (the table's name or alias in the query). */
export function identityColumns(alias: string): Prisma.Sql {
  if (!/^[a-z_][a-z0-9_]*$/.test(alias)) throw new RangeError(`not a table alias: ${alias}`);
  return Prisma.raw(COLUMNS.map((c) => `${alias}.${c}`).join(', '));
}

/** The columns a canonical identity is read from; the source time as a Date, or as ISO 8601 UTC text at milliseconds. */
export type CanonicalColumns = Pick<
  IdentityRow,
  'provider' | 'external_id' | 'email' | 'username' | 'email_verified' | 'state' | 'traits'
> & { source_updated_at: Date | string };

/** The canonical identity a row stores (its `sourceUpdatedAt` at the column's millisecond precision). */
export function canonicalOfRow(row: CanonicalColumns): CanonicalIdentity {
  return {
    provider: row.provider,
    externalId: row.external_id,
    email: row.email,
    username: row.username,
    emailVerified: row.email_verified,
    state: row.state,
    traits: row.traits,
    sourceUpdatedAt:
      typeof row.source_updated_at === 'string' ? row.source_updated_at : row.source_updated_at.toISOString(),
  };
}
