import { describe, expect, test } from 'vitest';
import type { AuthentikUserChangedData } from './authentik.js';
import { kratosToCanonical } from './canonical.js';
import { newCloudEvent } from './cloud-event.js';
import { educatorIdentity, whoamiIdentity } from './fixtures/index.js';
import type { IdentityChangedData } from './identity-changed.js';
import { MessageType, type DataOf } from './message-type.js';
import { isMessage, messageRoutes, validateMessage } from './messages.js';
import type { NotificationRequestedData } from './notification.js';

const canonical = kratosToCanonical(whoamiIdentity, '2026-01-01T00:00:00Z');

const validData: { [K in MessageType]: DataOf<K> } = {
  KratosIdentityUpdated: { identity: structuredClone(educatorIdentity) },
  AuthentikUserChanged: { action: 'created', pk: 12, eventId: 'c0ffee', occurredAt: '2026-05-01T10:00:00Z' },
  IdentityDeletionObserved: {
    provider: 'kratos',
    externalId: '8250c7cf-9815-4a30-a5f6-9166760d4b20',
    observedAt: '2026-05-01T10:00:00.000Z',
    runId: '0d9f3b1e-8a41-4c55-9f0e-6f3b2a1c9d7e',
  },
  IdentityChanged: {
    identityId: '0d9f3b1e-8a41-4c55-9f0e-6f3b2a1c9d7e',
    change: 'updated',
    identity: canonical,
    previous: { ...canonical, emailVerified: false },
    version: 2,
  },
  NotificationRequested: {
    topic: 'course.published',
    list: 'educators',
    subject: 'A new course is available',
    text: 'Hello,\r\nthere is a new course.',
    html: '<p>Hello</p>',
    data: { examTitle: 'Exam 42' },
  },
  UnsubscribeRequested: { list: 'educators', email: 'ada@school.edu', method: 'one-click' },
  IdentityErased: {
    identityId: '0d9f3b1e-8a41-4c55-9f0e-6f3b2a1c9d7e',
    provider: 'kratos',
    externalId: '9a1f0c52-5b3e-4d5c-8d2a-3f1e6b7c8d9e',
    erasedAt: '2026-05-01T10:00:00.000Z',
  },
};

function message<K extends MessageType>(type: K, data: unknown = validData[type]) {
  return JSON.parse(JSON.stringify(newCloudEvent({ type, source: 'test', data }))) as Record<string, unknown>;
}

const types = Object.values(MessageType);

describe('validateMessage', () => {
  test.each(types)('accepts a valid %s', (type) => {
    expect(validateMessage(type, message(type))).toBeNull();
    expect(isMessage(type, message(type))).toBe(true);
  });

  test('reports an unknown type', () => {
    expect(validateMessage('UserDeleted', message('IdentityChanged'))).toEqual([
      'unknown message type "UserDeleted"',
    ]);
    expect(validateMessage('toString', {})).toEqual(['unknown message type "toString"']);
  });

  test.each([
    ['KratosIdentityUpdated', { identity: { id: 1, traits: {} } }, ['/data/identity/id: must be string']],
    ['KratosIdentityUpdated', {}, ['/data/identity: is required']],
    [
      'AuthentikUserChanged',
      { action: 'renamed', pk: 1.5 },
      ['/data/action: must be one of: "created", "updated", "deleted"', '/data/pk: must be integer'],
    ],
    [
      'IdentityChanged',
      { ...validData.IdentityChanged, identityId: 'nope', version: 0 },
      ['/data/identityId: must match format "uuid"', '/data/version: must be >= 1'],
    ],
    [
      'NotificationRequested',
      { ...validData.NotificationRequested, list: 'Educators!' },
      ['/data/list: must match pattern "^[a-z0-9][a-z0-9._-]{0,63}$"'],
    ],
  ] as const)('refuses an invalid %s with readable errors', (type, data, errors) => {
    expect(validateMessage(type, message(type, data))).toEqual(errors);
  });

  test('IdentityChanged.previous may be null but not missing', () => {
    expect(
      validateMessage(
        'IdentityChanged',
        message('IdentityChanged', { ...validData.IdentityChanged, previous: null }),
      ),
    ).toBeNull();
    const { previous: _p, ...noPrevious } = validData.IdentityChanged;
    expect(validateMessage('IdentityChanged', message('IdentityChanged', noPrevious))).toEqual([
      '/data/previous: is required',
    ]);
  });

  test('refuses a body whose type is another message type', () => {
    const body = message('IdentityChanged');
    expect(validateMessage('NotificationRequested', body)).toContain(
      '/type: must be "NotificationRequested"',
    );
  });

  test('refuses bodies that are not CloudEvents', () => {
    expect(validateMessage('IdentityChanged', null)).toEqual(['/: must be object']);
    expect(validateMessage('IdentityChanged', { data: validData.IdentityChanged })).toEqual([
      '/specversion: is required',
      '/id: is required',
      '/source: is required',
      '/type: is required',
      '/time: is required',
      '/datacontenttype: is required',
    ]);
  });

  test('keeps unknown Kratos fields: validation does not strip or default anything', () => {
    const body = message('KratosIdentityUpdated');
    const before = structuredClone(body);
    expect(validateMessage('KratosIdentityUpdated', body)).toBeNull();
    expect(body).toStrictEqual(before);
    expect((body.data as { identity: Record<string, unknown> }).identity.x_tenant).toEqual({
      code: 'aea',
      tier: 2,
    });
  });
});

describe('NotificationRequested subject', () => {
  const withSubject = (subject: string) =>
    validateMessage(
      'NotificationRequested',
      message('NotificationRequested', { ...validData.NotificationRequested, subject }),
    );

  test.each(['Hi\r\nBcc: victim@example.com', 'Hi\nBcc: x', 'Hi\rthere', '', 'x'.repeat(999)])(
    'refuses %j',
    (subject) => {
      expect(withSubject(subject)).not.toBeNull();
    },
  );

  test('accepts 998 characters, tabs and non-ASCII', () => {
    expect(withSubject('x'.repeat(998))).toBeNull();
    expect(withSubject('Grüße\tan alle – 🎓')).toBeNull();
  });

  test('text is limited to 1 MiB of characters', () => {
    const data = (text: string): NotificationRequestedData => ({ ...validData.NotificationRequested, text });
    expect(
      validateMessage(
        'NotificationRequested',
        message('NotificationRequested', data('a'.repeat(1024 * 1024))),
      ),
    ).toBeNull();
    expect(
      validateMessage(
        'NotificationRequested',
        message('NotificationRequested', data('a'.repeat(1024 * 1024 + 1))),
      ),
    ).not.toBeNull();
  });
});

describe('messageRoutes', () => {
  test('Kratos identity events', () => {
    expect(messageRoutes.KratosIdentityUpdated.exchange).toBe('identity.events');
    expect(messageRoutes.KratosIdentityUpdated.routingKey(validData.KratosIdentityUpdated)).toBe(
      'kratos.identity.updated',
    );
  });

  test.each(['created', 'updated', 'deleted'] as const)('Authentik user %s', (action) => {
    const data: AuthentikUserChangedData = { action, pk: 3 };
    expect(messageRoutes.AuthentikUserChanged.exchange).toBe('identity.events');
    expect(messageRoutes.AuthentikUserChanged.routingKey(data)).toBe(`authentik.user.${action}`);
  });

  test.each(['kratos', 'authentik'] as const)('deletions the %s reconciler observed', (provider) => {
    const data = { ...validData.IdentityDeletionObserved, provider };
    expect(messageRoutes.IdentityDeletionObserved.exchange).toBe('identity.events');
    expect(messageRoutes.IdentityDeletionObserved.routingKey(data)).toBe(`${provider}.identity.deleted`);
  });

  test.each(['created', 'updated', 'deleted'] as const)('identity %s', (change) => {
    const data: IdentityChangedData = { ...validData.IdentityChanged, change };
    expect(messageRoutes.IdentityChanged.exchange).toBe('identity.changes');
    expect(messageRoutes.IdentityChanged.routingKey(data)).toBe(`identity.${change}`);
  });

  test('notifications by topic', () => {
    expect(messageRoutes.NotificationRequested.exchange).toBe('notifications');
    expect(messageRoutes.NotificationRequested.routingKey(validData.NotificationRequested)).toBe(
      'notification.course.published',
    );
  });
});
