import { describe, expect, it } from 'vitest';
import { diffIdentities, eventEntries, sortTimeline, traceIdOf, type EventRow } from './timeline.js';

const ada = {
  provider: 'kratos',
  externalId: 'k-1',
  email: 'ada@school.example',
  username: null,
  emailVerified: false,
  state: 'active',
  traits: { role: 'student', school: { name: 'A' } },
  sourceUpdatedAt: '2026-01-01T00:00:00.000Z',
};

function row(over: Partial<EventRow>): EventRow {
  return {
    id: 'e',
    version: 1,
    type: 'identity.created',
    payload: {},
    sourceMessageId: 'm-1',
    occurredAt: new Date('2026-01-01T00:00:00Z'),
    createdAt: new Date('2026-01-01T00:00:01Z'),
    published: false,
    ...over,
  };
}

describe('diffIdentities', () => {
  it('lists each changed field, traits by dotted path, and nothing unchanged', () => {
    const after = { ...ada, emailVerified: true, traits: { role: 'educator', school: { name: 'A' } } };
    expect(diffIdentities(ada, after)).toEqual([
      { field: 'emailVerified', before: false, after: true },
      { field: 'traits.role', before: 'student', after: 'educator' },
    ]);
  });

  it('shows every field of a created identity as new', () => {
    const changes = diffIdentities(null, ada);
    expect(changes).toContainEqual({ field: 'email', before: null, after: 'ada@school.example' });
    expect(changes).toContainEqual({ field: 'traits.school.name', before: null, after: 'A' });
    expect(changes.find((c) => c.field === 'username')).toBeUndefined();
  });
});

describe('eventEntries', () => {
  it('makes an applied source message and the version it produced, with the trace id', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const entries = eventEntries(
      row({ payload: { change: 'created', identity: ada, previous: null, traceparent } }),
      'kratos',
    );
    expect(entries.map((e) => e.kind)).toEqual(['message', 'version']);
    expect(entries[0]).toMatchObject({
      type: 'KratosIdentityUpdated',
      outcome: 'applied',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      messageId: 'm-1',
    });
    expect(entries[1]).toMatchObject({ version: 1, change: 'created' });
  });

  it('makes only a message entry, with the reason, for a stale or tombstoned update', () => {
    const stale = eventEntries(
      row({ version: null, type: 'identity.stale', payload: { reason: 'stale' } }),
      'authentik',
    );
    expect(stale).toEqual([
      expect.objectContaining({ kind: 'message', outcome: 'stale', type: 'AuthentikUserChanged' }),
    ]);
    const late = eventEntries(row({ version: null, payload: { reason: 'tombstoned' } }), 'kratos');
    expect(late[0]).toMatchObject({ outcome: 'tombstoned' });
    const erased = eventEntries(row({ version: null, payload: { erased: true } }), 'kratos');
    expect(erased[0]).toMatchObject({ outcome: 'erased' });
  });
});

describe('sortTimeline and traceIdOf', () => {
  it('orders by time, a message before its version at the same instant', () => {
    const entries = eventEntries(row({ payload: { identity: ada, previous: null } }), 'kratos').reverse();
    const email = { at: '2025-12-31T00:00:00.000Z', kind: 'email' as const } as never;
    expect(sortTimeline([...entries, email]).map((e) => e.kind)).toEqual(['email', 'message', 'version']);
  });

  it('reads the trace id of a W3C traceparent only', () => {
    expect(traceIdOf('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toBe(
      '0af7651916cd43dd8448eb211c80319c',
    );
    expect(traceIdOf('garbage')).toBeNull();
    expect(traceIdOf(undefined)).toBeNull();
  });
});
