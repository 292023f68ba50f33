/** What a caller may do: read dead letters, or also replay and discard them. */
export type Role = 'read' | 'operator';

/** The value at a dotted path in a JWT payload (`realm_access.roles`), or undefined. */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  // An exact key wins, since some IdPs use URLs with dots as claim names.
  if (Object.hasOwn(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
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

/** The strongest role the given roles grant, or null when they grant none. */
export function roleFrom(roles: readonly string[], names: { read: string; operator: string }): Role | null {
  if (roles.includes(names.operator)) return 'operator';
  if (roles.includes(names.read)) return 'read';
  return null;
}

export function allows(have: Role, need: Role): boolean {
  return need === 'read' || have === 'operator';
}
