import type { CanonicalIdentity } from './canonical.js';

/** JSON with object keys sorted, so two equal documents compare equal whatever their key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Whether two JSON values are equal as `stableJson` sees them (object key order and undefined members ignored),
 * without building either string: the reconciler compares the traits of every listed identity with its row.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    // Loops rather than filtered key arrays: this runs for every listed identity, most of them unchanged.
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    let members = 0;
    for (const k in x) {
      if (!Object.hasOwn(x, k) || x[k] === undefined) continue;
      if (!Object.hasOwn(y, k) || !sameJson(x[k], y[k])) return false;
      members++;
    }
    for (const k in y) if (Object.hasOwn(y, k) && y[k] !== undefined) members--;
    return members === 0;
  }
  return stableJson(a) === stableJson(b); // different primitives (null and undefined print alike)
}

const COMPARED = ['email', 'username', 'emailVerified', 'state', 'traits'] as const;

/**
 * The fields (of email, username, emailVerified, state, traits) in which two canonical identities of the same
 * provider and external id differ, in that order; `sourceUpdatedAt` is not compared. Names only, never values,
 * so the result may be logged and stored.
 */
export function identityDifferences(
  a: CanonicalIdentity,
  b: CanonicalIdentity,
): Array<(typeof COMPARED)[number]> {
  return COMPARED.filter((field) => differs(a, b, field));
}

/**
 * Two canonical identities say the same thing, whatever their `sourceUpdatedAt`: `identityDifferences` is empty,
 * found without building the list (the reconciler's check of every unchanged identity).
 */
export function sameIdentity(a: CanonicalIdentity, b: CanonicalIdentity): boolean {
  for (const field of COMPARED) if (differs(a, b, field)) return false;
  return true;
}

function differs(a: CanonicalIdentity, b: CanonicalIdentity, field: (typeof COMPARED)[number]): boolean {
  return field === 'traits' ? !sameJson(a.traits, b.traits) : a[field] !== b[field];
}
