import { describe, expect, it } from 'vitest';
import { allows, claimAt, roleFrom, rolesIn } from './roles.js';

describe('roles', () => {
  it('reads nested and dotted claims', () => {
    expect(claimAt({ realm_access: { roles: ['a'] } }, 'realm_access.roles')).toEqual(['a']);
    expect(claimAt({ 'https://example.com/roles': ['b'] }, 'https://example.com/roles')).toEqual(['b']);
    expect(claimAt({ a: 1 }, 'a.b')).toBeUndefined();
  });

  it('accepts lists and separated strings', () => {
    expect(rolesIn(['x', 1, 'y'])).toEqual(['x', 'y']);
    expect(rolesIn('x y,z')).toEqual(['x', 'y', 'z']);
    expect(rolesIn(undefined)).toEqual([]);
  });

  it('grants the strongest role and checks rights', () => {
    const names = { read: 'r', operator: 'o' };
    expect(roleFrom(['r', 'o'], names)).toBe('operator');
    expect(roleFrom(['r'], names)).toBe('read');
    expect(roleFrom(['other'], names)).toBeNull();
    expect(allows('read', 'operator')).toBe(false);
    expect(allows('operator', 'read')).toBe(true);
  });
});
