import { describe, expect, test } from 'vitest';
import { compile } from './ajv.js';
import { authentikToCanonical, isAuthentikUser } from './authentik-user.js';
import {
  authentikDefaultBodySchema,
  authentikMappedBodySchema,
  authentikUserChangeOf,
  parseAuthentikEventSummary,
} from './authentik-webhook.js';
import { canonicalIdentitySchema } from './canonical.js';

// Reconstructed from authentik's code (reference §3.2); not observed on a live instance.
const CREATED_SUMMARY =
  "model_created: {'model': {'app': 'authentik_core', 'model_name': 'user', 'pk': 12, 'name': 'Jane Doe'}, " +
  "'http_request': {'path': '/api/v3/core/users/', 'method': 'POST', 'args': {}, 'user_agent': 'Mozilla/5.0', 'request_id': 'abc'}}";

const defaultBody = (body: string) => ({
  body,
  severity: 'notice',
  user_email: 'admin@example.com',
  user_username: 'akadmin',
  event_user_email: 'admin@example.com',
  event_user_username: 'akadmin',
});

describe('Authentik webhook bodies', () => {
  test('the seed mapping body validates and maps to a user change', () => {
    const body = { event_type: 'model_created', pk: 1 };
    expect(compile(authentikMappedBodySchema)(body)).toBe(true);
    expect(authentikUserChangeOf(body)).toEqual({ action: 'created', pk: 1 });
  });

  test('a richer mapping carries the event id and time', () => {
    const body = { event_type: 'model_deleted', pk: 7, event_pk: 'e1', created: '2026-05-01T10:00:00+00:00' };
    expect(compile(authentikMappedBodySchema)(body)).toBe(true);
    expect(authentikUserChangeOf(body)).toEqual({
      action: 'deleted',
      pk: 7,
      eventId: 'e1',
      occurredAt: '2026-05-01T10:00:00+00:00',
    });
  });

  test.each([{ event_type: null, pk: null }, { event_type: 'model_created' }, { event_type: 'x', pk: '1' }])(
    'the mapping schema refuses %j',
    (body) => {
      expect(compile(authentikMappedBodySchema)(body)).toBe(false);
    },
  );

  test('the default body validates; its Python repr summary is parsed', () => {
    expect(compile(authentikDefaultBodySchema)(defaultBody(CREATED_SUMMARY))).toBe(true);
    expect(parseAuthentikEventSummary(CREATED_SUMMARY)).toEqual({
      eventType: 'model_created',
      app: 'authentik_core',
      modelName: 'user',
      pk: 12,
    });
    expect(authentikUserChangeOf(defaultBody(CREATED_SUMMARY))).toEqual({ action: 'created', pk: 12 });
  });

  test.each([
    ['another model', CREATED_SUMMARY.replace("'model_name': 'user'", "'model_name': 'group'")],
    ['another action', 'login: {"auth_method": "password"}'],
    ['a message body', 'Something happened'],
  ])('not a user change: %s', (_name, summary) => {
    expect(authentikUserChangeOf(defaultBody(summary))).toBeNull();
  });

  test('the Python repr is read robustly: quotes, True/False/None, nested dicts, a brace inside a name', () => {
    const summary =
      "model_updated: {'model': {'app': 'authentik_core', 'model_name': 'user', 'pk': 42, 'name': \"O'Brien {x}\"}, " +
      "'diff': {'is_active': {'previous_value': True, 'new_value': False}, 'email': None}, 'http_request': {'args': {}}}";
    expect(parseAuthentikEventSummary(summary)).toEqual({
      eventType: 'model_updated',
      app: 'authentik_core',
      modelName: 'user',
      pk: 42,
    });
    expect(authentikUserChangeOf(defaultBody(summary))).toEqual({ action: 'updated', pk: 42 });
  });

  test('a summary the literal reader refuses still yields the model via patterns', () => {
    const summary =
      "model_deleted: {'model': {'app': 'authentik_core', 'model_name': 'user', 'pk': 5, 'name': ''}, 'x': UUID('ab')}";
    expect(authentikUserChangeOf(defaultBody(summary))).toEqual({ action: 'deleted', pk: 5 });
  });

  test('a mapped body naming another model is not a user change', () => {
    expect(
      authentikUserChangeOf({
        event_type: 'model_created',
        pk: 3,
        app: 'authentik_core',
        model_name: 'group',
      }),
    ).toBeNull();
    expect(
      authentikUserChangeOf({
        event_type: 'model_created',
        pk: 3,
        app: 'authentik_core',
        model_name: 'user',
      }),
    ).toEqual({ action: 'created', pk: 3 });
  });

  test('a mapped body with another action is not a user change', () => {
    expect(authentikUserChangeOf({ event_type: 'login', pk: 1 })).toBeNull();
  });
});

describe('authentikToCanonical', () => {
  const user = {
    pk: 12,
    username: 'jane',
    name: 'Jane Doe',
    email: ' Jane@Example.com ',
    is_active: true,
    attributes: { user_type: 'educator' },
    uuid: 'f0e1d2c3-b4a5-4678-9abc-def012345678',
  };

  test('maps a user', () => {
    const c = authentikToCanonical(user, '2026-05-01T10:00:00+02:00');
    expect(c).toEqual({
      provider: 'authentik',
      externalId: '12',
      email: 'Jane@Example.com',
      username: 'jane',
      emailVerified: false,
      state: 'active',
      traits: { user_type: 'educator', name: 'Jane Doe', uuid: 'f0e1d2c3-b4a5-4678-9abc-def012345678' },
      sourceUpdatedAt: '2026-05-01T08:00:00.000Z',
    });
    expect(compile(canonicalIdentitySchema)(c)).toBe(true);
  });

  test('empty email is none, inactive users are inactive, email_verified attribute counts', () => {
    expect(
      authentikToCanonical({ ...user, email: '', is_active: false }, '2026-05-01T10:00:00Z'),
    ).toMatchObject({
      email: null,
      state: 'inactive',
      emailVerified: false,
    });
    const verified = { ...user, attributes: { email_verified: true } };
    expect(authentikToCanonical(verified, '2026-05-01T10:00:00Z').emailVerified).toBe(true);
  });

  test('groups (names over UUIDs), type and uuid go into traits; attributes win on a clash', () => {
    const full = {
      ...user,
      type: 'internal',
      groups: ['9a0b'],
      groups_obj: [{ pk: '9a0b', name: 'teachers' }],
      attributes: { user_type: 'educator', type: 'from-attributes' },
    };
    expect(authentikToCanonical(full, '2026-05-01T10:00:00Z').traits).toEqual({
      user_type: 'educator',
      type: 'from-attributes',
      name: 'Jane Doe',
      groups: ['teachers'],
      uuid: user.uuid,
    });
    expect(authentikToCanonical({ ...full, groups_obj: null }, '2026-05-01T10:00:00Z').traits.groups).toEqual(
      ['9a0b'],
    );
  });

  test('isAuthentikUser checks pk and username', () => {
    expect(isAuthentikUser(user)).toBe(true);
    expect(isAuthentikUser({ pk: '12', username: 'x' })).toBe(false);
    expect(isAuthentikUser(null)).toBe(false);
  });
});
