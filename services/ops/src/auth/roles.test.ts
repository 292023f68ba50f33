import { describe, expect, it } from 'vitest';
import { allows, claimAt, grantsFrom, roleFrom, rolesIn, seesPersonalData } from './roles.js';

describe('roles', () => {
  it('reads nested claims by path, and namespaced URL claims by name', () => {
    expect(claimAt({ realm_access: { roles: ['a'] } }, 'realm_access.roles')).toEqual(['a']);
    expect(claimAt({ 'https://example.com/roles': ['b'] }, 'https://example.com/roles')).toEqual(['b']);
    expect(claimAt({ a: 1 }, 'a.b')).toBeUndefined();
  });

  it('ignores a top-level claim whose name is the dotted path (only the nested claim counts)', () => {
    expect(claimAt({ 'realm_access.roles': ['ops'] }, 'realm_access.roles')).toBeUndefined();
    expect(
      claimAt({ 'realm_access.roles': ['ops'], realm_access: { roles: ['r'] } }, 'realm_access.roles'),
    ).toEqual(['r']);
  });

  it('does not walk into inherited properties', () => {
    expect(claimAt({ a: {} }, 'a.constructor')).toBeUndefined();
    expect(claimAt({}, '__proto__')).toBeUndefined();
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

  it('lets operators and pii holders see personal data, not plain readers', () => {
    const names = { read: 'r', operator: 'o', pii: 'p' };
    expect(seesPersonalData(grantsFrom(['r'], names))).toBe(false);
    expect(seesPersonalData(grantsFrom(['r', 'p'], names))).toBe(true);
    expect(seesPersonalData(grantsFrom(['o'], names))).toBe(true);
  });
});
