/** What a caller may do: read dead letters, or also replay and discard them. */
export type Role = 'read' | 'operator';

/** What a token or session grants: a role, and `pii` to see personal data unmasked with the read role. */
export type Grant = Role | 'pii';

export const GRANTS: readonly Grant[] = ['read', 'operator', 'pii'];

/**
 * The value at a dotted path in a JWT payload (`realm_access.roles` reads `realm_access` → `roles`).
 * A dotted name is only ever a path: a top-level claim literally named `realm_access.roles` (which a
 * user may be able to set through profile attributes mapped into tokens) is not read. Names with a
 * scheme (`https://example.com/roles`, namespaced claims) are one claim name, not a path.
 */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  if (path.includes('://')) return Object.hasOwn(payload, path) ? payload[path] : undefined;
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Roles or groups from a claim that is a list of strings or a space/comma-separated string. */
export function rolesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter((v) => v !== '');
  return [];
}

/** The ops grants the IdP's roles or groups carry, given the configured names of each. */
export function grantsFrom(
  roles: readonly string[],
  names: { read: string; operator: string; pii: string },
): Grant[] {
  return GRANTS.filter((grant) => roles.includes(names[grant]));
}

/** Which claim carries the IdP's roles or groups, and which of them mean which ops grant. */
export interface RoleMapping {
  roleClaim: string;
  readRole: string;
  operatorRole: string;
  /** (default=identity-relay:pii) Lets a read-only user see personal data unmasked. */
  piiRole?: string;
}

/**
 * The ops grants a set of OIDC claims carries: the one mapping for the API's bearer tokens and the console's
 * sign-in with the identity provider, so a person has the same rights through both.
 */
export function grantsOfClaims(claims: Record<string, unknown>, mapping: RoleMapping): Grant[] {
  return grantsFrom(rolesIn(claimAt(claims, mapping.roleClaim)), {
    read: mapping.readRole,
    operator: mapping.operatorRole,
    pii: mapping.piiRole ?? 'identity-relay:pii',
  });
}

/** The strongest role among the grants, or null when they grant none. */
export function roleOf(grants: readonly Grant[]): Role | null {
  if (grants.includes('operator')) return 'operator';
  if (grants.includes('read')) return 'read';
  return null;
}

/** The strongest role the given roles grant, or null when they grant none. */
export function roleFrom(roles: readonly string[], names: { read: string; operator: string }): Role | null {
  return roleOf(grantsFrom(roles, { ...names, pii: '\0' }));
}

export function allows(have: Role, need: Role): boolean {
  return need === 'read' || have === 'operator';
}

/** Operators handle personal data anyway (they replay it); read-only users only with the pii grant. */
export function seesPersonalData(grants: readonly Grant[]): boolean {
  return grants.includes('operator') || grants.includes('pii');
}
