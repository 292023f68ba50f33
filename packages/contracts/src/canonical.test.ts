import { describe, expect, test } from 'vitest';
import { compile } from './ajv.js';
import {
  canonicalIdentitySchema,
  kratosAddressVerified,
  kratosToCanonical,
  type CanonicalIdentity,
} from './canonical.js';
import {
  educatorIdentity,
  kratosIdentities,
  prePersistIdentity,
  usernameIdentity,
  whoamiIdentity,
} from './fixtures/index.js';
import type { KratosIdentity } from './kratos/identity.js';

const FALLBACK = '2026-06-01T12:00:00.000Z';
const validateCanonical = compile<CanonicalIdentity>(canonicalIdentitySchema);

function identity(patch: Partial<KratosIdentity>): KratosIdentity {
  return { ...structuredClone(whoamiIdentity), ...patch };
}

describe('kratosToCanonical', () => {
  test('whoami identity: verified email from traits', () => {
    expect(kratosToCanonical(whoamiIdentity, FALLBACK)).toEqual({
      provider: 'kratos',
      externalId: '8250c7cf-9815-4a30-a5f6-9166760d4b20',
      email: 'foo@ory.com',
      username: null,
      emailVerified: true,
      state: 'active',
      traits: { name: { last: 'Bar', first: 'Foo' }, email: 'foo@ory.com' },
      sourceUpdatedAt: '2026-04-27T16:05:13.005031Z',
    });
  });

  test('educator: email trimmed but case kept, unverified, time converted to UTC', () => {
    const c = kratosToCanonical(educatorIdentity, FALLBACK);
    expect(c.email).toBe('Ada.Lovelace@Example.EDU');
    expect(c.emailVerified).toBe(false);
    expect(c.traits).toBe(educatorIdentity.traits);
    expect(c.sourceUpdatedAt).toBe('2026-05-02T07:14:03.119734Z');
  });

  test('pre-persist identity: Go zero timestamps fall back to the given time', () => {
    const c = kratosToCanonical(prePersistIdentity, FALLBACK);
    expect(c).toMatchObject({
      externalId: '00000000-0000-0000-0000-000000000000',
      email: 'new.user@example.com',
      emailVerified: false,
      sourceUpdatedAt: FALLBACK,
    });
  });

  test('username identity: email from the verifiable address, verified by status, inactive', () => {
    const c = kratosToCanonical(usernameIdentity, FALLBACK);
    expect(c).toMatchObject({
      email: 'Grace.Hopper@Example.com',
      username: 'grace',
      emailVerified: true,
      state: 'inactive',
      externalId: 'a1d3c5e7-9b2f-4d6a-8c0e-2f4a6b8c0d1e',
      sourceUpdatedAt: '2026-03-01T10:00:00.000Z',
    });
  });

  test('verification matches the address case-insensitively', () => {
    const c = kratosToCanonical(identity({ traits: { email: 'FOO@ORY.COM' } }), FALLBACK);
    expect(c.emailVerified).toBe(true);
  });

  test('a verified address for another email does not verify this one', () => {
    const c = kratosToCanonical(identity({ traits: { email: 'other@ory.com' } }), FALLBACK);
    expect(c).toMatchObject({ email: 'other@ory.com', emailVerified: false });
  });

  test('no email anywhere: null and unverified; non-string traits are ignored', () => {
    const c = kratosToCanonical(
      { id: 'x', traits: { email: 42, username: ['a'] }, verifiable_addresses: null },
      FALLBACK,
    );
    expect(c).toMatchObject({ email: null, username: null, emailVerified: false, state: 'active' });
  });

  test('a blank traits.email falls through to the verifiable address', () => {
    const c = kratosToCanonical(identity({ traits: { email: '   ' } }), FALLBACK);
    expect(c.email).toBe('foo@ory.com');
  });

  test('sourceUpdatedAt: updated_at, else created_at, else the fallback', () => {
    expect(kratosToCanonical(identity({ updated_at: null }), FALLBACK).sourceUpdatedAt).toBe(
      '2026-04-27T16:05:13.005031Z',
    );
    expect(
      kratosToCanonical(identity({ updated_at: undefined, created_at: undefined }), FALLBACK).sourceUpdatedAt,
    ).toBe(FALLBACK);
    expect(
      kratosToCanonical(identity({ updated_at: '2026-04-27T16:05:13Z' }), FALLBACK).sourceUpdatedAt,
    ).toBe('2026-04-27T16:05:13.000Z');
  });

  test('an invalid fallback time is refused when it is needed', () => {
    expect(() => kratosToCanonical(prePersistIdentity, 'never')).toThrow(
      expect.objectContaining({ name: 'ContractError', code: 'INVALID_TIME' }),
    );
  });

  test.each(Object.entries(kratosIdentities))('the %s mapping satisfies canonicalIdentitySchema', (_n, i) => {
    const c = kratosToCanonical(i, FALLBACK);
    expect(validateCanonical(c), JSON.stringify(validateCanonical.errors)).toBe(true);
  });
});

describe('canonicalIdentitySchema', () => {
  const valid = kratosToCanonical(whoamiIdentity, FALLBACK);

  test.each([
    ['email missing', { ...valid, email: undefined }],
    ['email a number', { ...valid, email: 5 }],
    ['username empty', { ...valid, username: '' }],
    ['unknown provider', { ...valid, provider: 'okta' }],
    ['extra property', { ...valid, extra: 1 }],
    ['bad time', { ...valid, sourceUpdatedAt: 'now' }],
  ])('refuses %s', (_name, value) => {
    expect(validateCanonical(JSON.parse(JSON.stringify(value)))).toBe(false);
  });

  test('accepts null email and username', () => {
    expect(validateCanonical({ ...valid, email: null, username: null })).toBe(true);
  });
});

describe('kratosAddressVerified', () => {
  const other = { value: 'ada@gmail.com', verified: true, via: 'email' };
  test('speaks about the one address: another verified address of the identity does not count', () => {
    expect(kratosAddressVerified([other], 'ada@school.edu')).toBe(false);
    const school = { value: 'Ada@School.edu', verified: false, via: 'email', status: 'sent' };
    expect(kratosAddressVerified([other, school], 'ada@school.edu')).toBe(false);
    expect(kratosAddressVerified([other, { ...school, verified: true }], ' ada@school.edu ')).toBe(true);
    expect(kratosAddressVerified([{ ...school, status: 'completed' }], 'ada@school.edu')).toBe(true);
  });
  test('no address, no list: not verified', () => {
    expect(kratosAddressVerified([other], null)).toBe(false);
    expect(kratosAddressVerified([other], '')).toBe(false);
    expect(kratosAddressVerified(null, 'ada@gmail.com')).toBe(false);
  });
});
