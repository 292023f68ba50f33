import type { CanonicalIdentity, MessageType } from '@identity-relay/contracts';

export type Provider = CanonicalIdentity['provider'];
export const PROVIDERS: readonly Provider[] = ['kratos', 'authentik'];

/** What a run does about one identity. */
export type DriftKind = 'create' | 'update' | 'delete';

/** The source event that carries an identity's listed state through the normal pipeline. */
export interface RepairEvent {
  type: MessageType;
  routingKey: string;
  data: object;
}

/** One identity as the IdP listed it, already mapped to the canonical form. */
export interface ListedIdentity {
  externalId: string;
  canonical: CanonicalIdentity;
  /**
   * What identifies this state of the identity at the IdP, for deterministic message ids: Kratos' `updated_at`,
   * Authentik's `last_updated` (or a hash of the mapped identity when the API has no such field).
   */
  stamp: string;
  /** The event that repairs `identities` to this state (`created` tells Authentik's event which action). */
  repair(created: boolean): RepairEvent;
}

/**
 * An IdP's admin API as the engine sees it: the directory as a stream of pages, and direct lookups. Failures
 * throw (after the source's own retries of transient ones); a listing that failed is never taken as complete.
 */
export interface IdentitySource {
  readonly provider: Provider;
  /**
   * Whether `canonical.sourceUpdatedAt` is the IdP's own modification time (Kratos `updated_at`), so that an older
   * listed time means the stored row is newer. Otherwise it is the time of the observation and only content counts.
   */
  readonly hasModificationTime: boolean;
  /** Pages in the IdP's order; `observedAt` is passed to the mapping as the time of the observation. */
  pages(): AsyncIterable<ListedIdentity[]>;
  /**
   * Which of `externalIds` the IdP still has, asked directly rather than through the listing (a bulk lookup or one
   * GET each): an id missing from the answer is one the IdP answered it does not have (404, or absent from a
   * lookup by ids). Confirms the deletion candidates, a batch at a time.
   */
  present(externalIds: readonly string[]): Promise<Set<string>>;
}

/** Counts of one run: found and, unless dry run, published. */
export interface ReconcileCounts {
  listed: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

/** One drifted identity, as stored in a run's sample: names of fields, never their values. */
export interface DriftItem {
  kind: DriftKind;
  externalId: string;
  fields?: string[];
}

/** The result of a run (`--json` prints it without `runId`, `status`, `drift`). */
export interface ReconcileSummary extends ReconcileCounts {
  runId: string;
  provider: Provider;
  dryRun: boolean;
  status: 'succeeded' | 'refused';
  /** Why the run refused to delete (the mass-delete guard). */
  refused?: string;
  /** Deletions the listing suggested before each was confirmed by a 404. */
  deleteCandidates: number;
  drift: DriftItem[];
}
