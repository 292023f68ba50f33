import type { WebhookRecord } from './ledger.js';

/** One identity's history as the database holds it. */
export interface IdentityHistory {
  externalId: string;
  /** `identities.version`. */
  rowVersion: number;
  /** Versions of its versioned events, ordered by version. */
  versions: number[];
  /** The same versions ordered by commit (`created_at`): must equal `versions`. */
  byCommit: number[];
  /** traits.n of each versioned event, ordered by version: must strictly increase. */
  updates: number[];
}

/** What is wrong with one identity's version history, or null: gap-free 1..k, row at k, commit order, newer each time. */
export function historyProblem(h: IdentityHistory): string | null {
  const k = h.versions.length;
  if (h.versions.some((v, i) => v !== i + 1)) return `versions not gap-free: ${h.versions.join(',')}`;
  if (h.rowVersion !== k) return `row at version ${h.rowVersion}, history ends at ${k}`;
  if (h.byCommit.some((v, i) => v !== h.versions[i])) return `commit order ${h.byCommit.join(',')}`;
  if (h.updates.some((n, i) => i > 0 && n <= h.updates[i - 1]!))
    return `a version is not newer than the one before: updates ${h.updates.join(',')}`;
  return null;
}

/**
 * The newest update of each identity among the webhooks that were applied (answered 2xx, or refused but
 * found in the inbox all the same: at-least-once means a timed-out publish may still arrive).
 */
export function expectedNewest(
  webhooks: readonly WebhookRecord[],
  applied: ReadonlySet<string>,
): Map<string, number> {
  const newest = new Map<string, number>();
  for (const w of webhooks) {
    if (!applied.has(w.messageId)) continue;
    newest.set(w.identity, Math.max(newest.get(w.identity) ?? -1, w.n));
  }
  return newest;
}

/** How many times each key occurs more than once in `keys`, summed: 0 when every key is unique. */
export function surplus(keys: Iterable<string>): { duplicates: number; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  let duplicates = 0;
  for (const c of counts.values()) duplicates += c - 1;
  return { duplicates, counts };
}

/** Members of `a` missing from `b`. */
export function missingFrom<T>(a: Iterable<T>, b: ReadonlySet<T>): T[] {
  return [...a].filter((x) => !b.has(x));
}
