import { describe, expect, test } from 'vitest';
import { compile } from './ajv.js';
import { cloudEventSchema, newCloudEvent } from './cloud-event.js';
import { MessageType } from './message-type.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newCloudEvent', () => {
  test('fills id, time, specversion and datacontenttype', () => {
    const before = Date.now();
    const event = newCloudEvent({
      type: MessageType.IdentityChanged,
      source: 'identity-sync',
      data: { a: 1 },
    });
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'IdentityChanged',
      source: 'identity-sync',
      datacontenttype: 'application/json',
      data: { a: 1 },
    });
    expect(event.id).toMatch(UUID);
    expect(Date.parse(event.time)).toBeGreaterThanOrEqual(before - 1);
    expect(event).not.toHaveProperty('subject');
    expect(event).not.toHaveProperty('traceparent');
  });

  test('keeps given id, subject and traceparent; normalises time to UTC', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const event = newCloudEvent({
      type: MessageType.KratosIdentityUpdated,
      source: '/kratos',
      data: null,
      id: 'trigger-1',
      time: '2026-04-27T18:05:13.5+02:00',
      subject: 'identity/8250c7cf',
      traceparent,
    });
    expect(event).toMatchObject({
      id: 'trigger-1',
      time: '2026-04-27T16:05:13.500Z',
      subject: 'identity/8250c7cf',
    });
    expect(event.traceparent).toBe(traceparent);
    expect(newCloudEvent({ type: 'IdentityChanged', source: 's', data: 1, time: new Date(0) }).time).toBe(
      '1970-01-01T00:00:00.000Z',
    );
  });

  test('two events get different ids', () => {
    const a = newCloudEvent({ type: 'IdentityChanged', source: 's', data: 1 });
    const b = newCloudEvent({ type: 'IdentityChanged', source: 's', data: 1 });
    expect(a.id).not.toBe(b.id);
  });

  test('refuses a time that is not RFC 3339', () => {
    expect(() => newCloudEvent({ type: 'IdentityChanged', source: 's', data: 1, time: 'later' })).toThrow(
      expect.objectContaining({ code: 'INVALID_TIME' }),
    );
  });
});

// cloudEventSchema is typed by hand (see its comment); these prove it agrees with CloudEvent<T>.
describe('cloudEventSchema agrees with CloudEvent', () => {
  const validate = compile(cloudEventSchema('IdentityChanged', { type: 'object', required: ['n'] }));
  const event = () => newCloudEvent({ type: 'IdentityChanged', source: 's', data: { n: 1 }, subject: 'x' });

  test('accepts what newCloudEvent builds, and CloudEvents extension attributes', () => {
    expect(validate(event()), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...event(), partitionkey: 'p' })).toBe(true);
  });

  test.each([
    ['specversion', { specversion: '0.3' }],
    ['id', { id: '' }],
    ['source', { source: undefined }],
    ['type of another message', { type: 'NotificationRequested' }],
    ['time', { time: 'yesterday' }],
    ['datacontenttype', { datacontenttype: 'text/plain' }],
    ['subject', { subject: '' }],
    ['traceparent', { traceparent: '00-xyz' }],
    ['data', { data: {} }],
  ])('refuses a wrong %s', (_name, patch) => {
    expect(validate(JSON.parse(JSON.stringify({ ...event(), ...patch })))).toBe(false);
  });

  test('data is required', () => {
    const { data: _data, ...withoutData } = event();
    expect(validate(withoutData)).toBe(false);
  });
});
