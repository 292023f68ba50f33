import {
  identityDifferences,
  sameIdentity,
  sourceTimeMs,
  type CanonicalIdentity,
} from '@identity-relay/contracts';

/** The `identities` row of a listed identity, as far as the comparison needs it. */
export interface StoredState {
  canonical: CanonicalIdentity;
  version: number;
  deleted: boolean;
}

export type Verdict = { kind: 'create' } | { kind: 'update'; fields: string[] } | { kind: 'unchanged' };

/**
 * What the listed state of an identity means for its row: missing → create; different (email, username, verified
 * flag, state, traits) or, where the IdP keeps a modification time, newer → update; else unchanged. A row that is
 * newer than the listing (a webhook applied after the page was read) is left alone, as is a tombstone (a late
 * update never resurrects one). Pure: the engine and its unit tests call it the same way.
 */
export function classify(
  listed: CanonicalIdentity,
  stored: StoredState | undefined,
  hasModificationTime: boolean,
): Verdict {
  if (!stored) return CREATE;
  if (stored.deleted) return UNCHANGED;
  // Times first, then a comparison that builds nothing: the field list is only made for the few that drifted.
  if (hasModificationTime) {
    // At the column's precision, exactly as identity-sync compares and stores them (packages/contracts time.ts).
    const listedAt = sourceTimeMs(listed.sourceUpdatedAt);
    const storedAt = sourceTimeMs(stored.canonical.sourceUpdatedAt);
    if (listedAt < storedAt) return UNCHANGED;
    if (listedAt > storedAt) {
      const fields: string[] = identityDifferences(stored.canonical, listed);
      return { kind: 'update', fields: fields.length > 0 ? fields : ['sourceUpdatedAt'] };
    }
  }
  if (sameIdentity(stored.canonical, listed)) return UNCHANGED;
  return { kind: 'update', fields: identityDifferences(stored.canonical, listed) };
}

const UNCHANGED: Verdict = Object.freeze({ kind: 'unchanged' });
const CREATE: Verdict = Object.freeze({ kind: 'create' });
