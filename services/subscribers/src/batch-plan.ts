import { randomUUID } from 'node:crypto';
import type { IdentityChangedData } from '@identity-relay/contracts';
import { planMembership, type MembershipAction, type SubscriberRow } from './plan.js';
import { listsOf, normalizeEmail } from './rules/evaluate.js';
import type { ListRule } from './rules/types.js';

export type ApplyOutcome =
  | { applied: true; actions: MembershipAction[] }
  /** The identity already reflects this version or a later one: nothing changed. */
  | { applied: false; reason: 'stale'; appliedVersion: number };

/** A `subscribers` row as loaded (locked) at the start of a batch. */
export interface LoadedRow extends SubscriberRow {
  subscribedAt: Date;
}

/** What a message that is not stale asks for: the lists the identity belongs to, with which address. */
export interface Wanted {
  data: IdentityChangedData;
  deleted: boolean;
  desired: string[];
  email: string | null;
}

/** A row of the batch's end state that differs from the table. */
export interface RowWrite {
  id: string;
  list: string;
  email: string;
  identityId: string;
  active: boolean;
  /** Became active again during the batch: its `subscribed_at` is the transaction's time. */
  resubscribed: boolean;
}

export interface BatchWrites {
  /** Existing rows to update, each to its end state. */
  updates: RowWrite[];
  /**
   * Rows among `updates` whose old (list, email) another row of `updates` takes: moved out of the way first,
   * since a unique index is checked row by row within one UPDATE. Empty unless a batch moves addresses along
   * a chain (A leaves x for y, then B moves to x).
   */
  vacate: string[];
  /** New rows, in (list, email) order. */
  inserts: RowWrite[];
  /** The version each identity ends at. */
  versions: Array<{ identityId: string; version: number; deleted: boolean }>;
}

interface ModelRow extends LoadedRow {
  created: boolean;
  /** (list, email) in the table before the batch; null for a created row. */
  loadedKey: string | null;
  dirty: boolean;
  resubscribed: boolean;
}

const keyOf = (list: string, email: string) => `${list}\u0000${email}`;

/**
 * Which messages apply: per identity in delivery order against its locked version, each newer one moving the
 * version on, so a message behind a newer one of the same batch is stale exactly as it would be one at a time.
 * `versions` (identity id → applied version) is advanced in place.
 */
export function sortOutStale(
  changes: readonly IdentityChangedData[],
  versions: Map<string, number>,
  rules: readonly ListRule[],
): Array<Wanted | ApplyOutcome> {
  return changes.map((data) => {
    const id = data.identityId.toLowerCase();
    const appliedVersion = versions.get(id) ?? 0;
    if (appliedVersion >= data.version) return { applied: false, reason: 'stale', appliedVersion };
    versions.set(id, data.version);
    const deleted = data.change === 'deleted';
    const desired = deleted ? [] : listsOf(rules, data.identity);
    const email = desired.length > 0 && data.identity.email ? normalizeEmail(data.identity.email) : null;
    return { data, deleted, desired, email };
  });
}

/**
 * Plans every wanted change in delivery order against an in-memory copy of the locked rows — each message
 * sees the effects of the ones before it, as one at a time — and returns the outcomes and the rows' end
 * state. `rows` must hold every row of the identities involved and every row holding a wanted (list, email).
 */
export function planBatch(wanted: readonly Wanted[], rows: readonly LoadedRow[], now: Date) {
  const byId = new Map<string, ModelRow>();
  const byKey = new Map<string, ModelRow>();
  const byIdentity = new Map<string, Set<ModelRow>>();
  const own = (identityId: string) => {
    let set = byIdentity.get(identityId);
    if (!set) byIdentity.set(identityId, (set = new Set()));
    return set;
  };
  const add = (row: ModelRow) => {
    byId.set(row.id, row);
    byKey.set(keyOf(row.list, row.email), row);
    own(row.identityId).add(row);
  };
  for (const r of rows) {
    const identityId = r.identityId.toLowerCase();
    const key = keyOf(r.list, r.email);
    add({ ...r, identityId, created: false, loadedKey: key, dirty: false, resubscribed: false });
  }

  const outcomes: ApplyOutcome[] = [];
  const versions = new Map<string, { identityId: string; version: number; deleted: boolean }>();
  for (const w of wanted) {
    const identityId = w.data.identityId.toLowerCase();
    const seen = new Set(own(identityId));
    if (w.email !== null)
      for (const list of w.desired) {
        const holder = byKey.get(keyOf(list, w.email));
        if (holder) seen.add(holder);
      }
    const candidates = [...seen].sort(
      (a, b) => a.subscribedAt.getTime() - b.subscribedAt.getTime() || (a.id < b.id ? -1 : 1),
    );
    const actions = planMembership({ identityId, email: w.email, desired: w.desired, rows: candidates });
    for (const action of actions) {
      if (action.kind === 'insert') {
        const row: ModelRow = {
          id: randomUUID(),
          list: action.list,
          email: action.email,
          identityId,
          active: true,
          subscribedAt: now,
          created: true,
          loadedKey: null,
          dirty: true,
          resubscribed: true,
        };
        add(row);
        continue;
      }
      const row = byId.get(action.rowId)!;
      byKey.delete(keyOf(row.list, row.email));
      own(row.identityId).delete(row);
      if (action.kind === 'activate') {
        if (!row.active) {
          row.subscribedAt = now;
          row.resubscribed = true;
        }
        row.active = true;
        row.email = action.email;
        row.identityId = identityId;
      } else row.active = false;
      row.dirty = true;
      add(row);
    }
    outcomes.push({ applied: true, actions });
    versions.set(identityId, { identityId, version: w.data.version, deleted: w.deleted });
  }
  return { outcomes, writes: writesOf([...byId.values()], [...versions.values()]) };
}

function writesOf(rows: ModelRow[], versions: BatchWrites['versions']): BatchWrites {
  const changed = rows.filter((r) => r.dirty);
  const write = (r: ModelRow): RowWrite => ({
    id: r.id,
    list: r.list,
    email: r.email,
    identityId: r.identityId,
    active: r.active,
    resubscribed: r.resubscribed,
  });
  const updates = changed.filter((r) => !r.created);
  const taken = new Set(updates.map((r) => keyOf(r.list, r.email)));
  const vacate = updates.filter((r) => r.loadedKey !== keyOf(r.list, r.email) && taken.has(r.loadedKey!));
  const inserts = changed
    .filter((r) => r.created)
    .sort((a, b) => (a.list < b.list ? -1 : a.list > b.list ? 1 : a.email < b.email ? -1 : 1));
  return {
    updates: updates.map(write),
    vacate: vacate.map((r) => r.id),
    inserts: inserts.map(write),
    versions,
  };
}
