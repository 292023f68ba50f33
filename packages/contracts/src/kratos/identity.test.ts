import { describe, expect, test } from 'vitest';
import { compile } from '../ajv.js';
import {
  educatorIdentity,
  invalidKratosSyncBodies,
  kratosIdentities,
  kratosSyncBody,
  whoamiIdentity,
} from '../fixtures/index.js';
import {
  kratosIdentityUpdatedDataSchema,
  kratosSyncIdentityBodySchema,
  type KratosSyncIdentityBody,
} from './bodies.js';
import { kratosIdentitySchema, type KratosIdentity } from './identity.js';

const validateIdentity = compile<KratosIdentity>(kratosIdentitySchema);
const validateBody = compile<KratosSyncIdentityBody>(kratosSyncIdentityBodySchema);

describe('kratosIdentitySchema', () => {
  test.each(Object.entries(kratosIdentities))('accepts the %s fixture', (_name, identity) => {
    expect(validateIdentity(identity), JSON.stringify(validateIdentity.errors)).toBe(true);
    expect(validateBody(kratosSyncBody(identity))).toBe(true);
    expect(compile(kratosIdentityUpdatedDataSchema)({ identity })).toBe(true);
  });

  test('accepts the minimal identity: id and traits only', () => {
    expect(validateIdentity({ id: 'x', traits: {} })).toBe(true);
  });

  test('accepts the admin-only fields when present (credentials, metadata_admin)', () => {
    const admin = { ...structuredClone(whoamiIdentity), metadata_admin: null, credentials: { password: {} } };
    expect(validateIdentity(admin)).toBe(true);
  });

  test.each([
    ['an empty id', { id: '', traits: {} }],
    ['a numeric id', { id: 42, traits: {} }],
    ['an array as traits', { id: 'x', traits: [] }],
    ['a null state', { id: 'x', traits: {}, state: null }],
    ['a bad created_at', { id: 'x', traits: {}, created_at: 'yesterday' }],
    [
      'an address without verified',
      { id: 'x', traits: {}, verifiable_addresses: [{ value: 'a@b.c', via: 'email' }] },
    ],
    ['a string metadata_public', { id: 'x', traits: {}, metadata_public: 'public' }],
  ])('refuses an identity with %s', (_name, identity) => {
    expect(validateIdentity(identity)).toBe(false);
  });
});

describe('kratosSyncIdentityBodySchema', () => {
  test.each(Object.entries(invalidKratosSyncBodies))('refuses the %s body', (_name, body) => {
    expect(validateBody(body())).toBe(false);
  });

  test('allows extra top-level keys next to identity', () => {
    expect(validateBody({ ...kratosSyncBody(), flow_type: 'registration' })).toBe(true);
  });

  test('unknown fields survive validation and a JSON round trip unchanged', () => {
    const body = JSON.parse(JSON.stringify(kratosSyncBody(educatorIdentity))) as Record<string, unknown>;
    const before = structuredClone(body);
    expect(validateBody(body)).toBe(true);
    expect(body).toStrictEqual(before);
    const identity = body.identity as Record<string, unknown>;
    expect(identity.region).toBe('eu-central');
    expect(identity.x_tenant).toStrictEqual({ code: 'aea', tier: 2 });
    expect((identity.recovery_addresses as Array<Record<string, unknown>>)[0]).toHaveProperty(
      'break_glass_for_organization',
      null,
    );
  });
});
