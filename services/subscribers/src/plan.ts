/** A `subscribers` row as the planner sees it. */
export interface SubscriberRow {
  id: string;
  list: string;
  email: string;
  identityId: string;
  active: boolean;
}

export type MembershipAction =
  /** Make this row the identity's active membership (resubscribe, take over, and/or change its address). */
  | {
      kind: 'activate';
      rowId: string;
      list: string;
      email: string;
      wasActive: boolean;
      addressChanged: boolean;
    }
  | { kind: 'insert'; list: string; email: string }
  | { kind: 'unsubscribe'; rowId: string; list: string };

/**
 * What to do so that `identityId` is an active member of exactly `desired` (with address `email`).
 * `rows` holds the identity's own rows plus any row already holding (`list`, `email`) for a desired list,
 * since (list, email) is unique. Rows are never deleted: leaving sets `unsubscribed_at`, and an address
 * change updates the row in place unless the new address already has a row on that list.
 */
export function planMembership(input: {
  identityId: string;
  email: string | null;
  desired: readonly string[];
  rows: readonly SubscriberRow[];
}): MembershipAction[] {
  const { identityId, email, rows } = input;
  const desired = email === null ? [] : [...new Set(input.desired)];
  const actions: MembershipAction[] = [];
  const kept = new Set<string>();

  for (const list of desired) {
    const target = rows.find((r) => r.list === list && r.email === email);
    const own = rows.filter((r) => r.list === list && r.identityId === identityId && r !== target);
    const reuse = target ?? own.find((r) => r.active) ?? own[0];
    if (!reuse) {
      actions.push({ kind: 'insert', list, email: email! });
      continue;
    }
    kept.add(reuse.id);
    const addressChanged = reuse.email !== email;
    if (!reuse.active || reuse.identityId !== identityId || addressChanged) {
      actions.push({
        kind: 'activate',
        rowId: reuse.id,
        list,
        email: email!,
        wasActive: reuse.active && reuse.identityId === identityId,
        addressChanged,
      });
    }
  }
  for (const row of rows) {
    if (row.identityId === identityId && row.active && !kept.has(row.id))
      actions.push({ kind: 'unsubscribe', rowId: row.id, list: row.list });
  }
  return actions;
}
