import { describe, expect, it } from 'vitest';
import type { RawDelivery } from '@identity-relay/bus';
import { parseDeadLetter, workQueueOf } from './parse.js';

type MessageProperties = RawDelivery['properties'];

function delivery(over: Partial<RawDelivery> & { props?: Partial<MessageProperties> } = {}): RawDelivery {
  const { props, ...rest } = over;
  return {
    queue: 'identity-sync.dead',
    content: Buffer.from(JSON.stringify({ id: 'e-1', type: 'KratosIdentityUpdated', data: {} })),
    properties: {
      messageId: 'e-1',
      type: 'KratosIdentityUpdated',
      contentType: 'application/cloudevents+json',
      timestamp: 1767225600,
      headers: {},
      ...props,
    } as MessageProperties,
    headers: {},
    exchange: '',
    routingKey: 'identity-sync.dead',
    redelivered: false,
    ...rest,
  };
}

const runtimeHeaders = {
  'x-error': 'database unavailable after 5000 ms',
  'x-error-class': 'TransientError',
  'x-error-code': 'DB_DOWN',
  'x-attempts': 3,
  'x-first-failed-at': '2026-01-01T10:00:00.000Z',
  'x-dead-lettered-at': '2026-01-01T10:01:00.000Z',
  'x-original-exchange': 'identity.events',
  'x-original-routing-key': 'kratos.identity.updated',
  'x-service': 'identity-sync',
  'x-host': 'worker-1',
  traceparent: '00-abc-def-01',
};

describe('parseDeadLetter', () => {
  it('reads every field the consumer runtime records', () => {
    const record = parseDeadLetter(delivery({ headers: runtimeHeaders }));
    expect(record).toMatchObject({
      queue: 'identity-sync',
      messageId: 'e-1',
      messageType: 'KratosIdentityUpdated',
      exchange: 'identity.events',
      routingKey: 'kratos.identity.updated',
      error: 'database unavailable after 5000 ms',
      errorClass: 'TransientError',
      errorCode: 'DB_DOWN',
      attempts: 3,
      firstFailedAt: new Date('2026-01-01T10:00:00.000Z'),
      deadLetteredAt: new Date('2026-01-01T10:01:00.000Z'),
      service: 'identity-sync',
      host: 'worker-1',
      properties: {
        messageId: 'e-1',
        type: 'KratosIdentityUpdated',
        contentType: 'application/cloudevents+json',
        timestamp: 1767225600,
      },
    });
    expect(record.headers.traceparent).toBe('00-abc-def-01');
  });

  it('stores what x-death says when the broker dead-lettered the message itself', () => {
    const now = new Date('2026-02-02T00:00:00Z');
    const xDeath = [
      {
        count: 1,
        reason: 'delivery_limit',
        queue: 'identity-sync',
        time: 1767225600,
        exchange: 'identity.events',
        'routing-keys': ['kratos.identity.updated'],
      },
    ];
    const record = parseDeadLetter(delivery({ headers: { 'x-death': xDeath } }), now);
    expect(record).toMatchObject({
      exchange: 'identity.events',
      routingKey: 'kratos.identity.updated',
      errorClass: 'broker:delivery_limit',
      error: 'RabbitMQ dead-lettered the message: delivery limit reached (1 time)',
      deadLetteredAt: new Date(1767225600 * 1000),
      attempts: null,
      service: null,
    });
  });

  it('keeps a body that is not JSON byte for byte, and still fingerprints it', () => {
    const content = Buffer.from([0xff, 0x00, 0x7b]);
    const record = parseDeadLetter(
      delivery({
        content,
        props: { type: undefined, messageId: undefined },
        headers: { 'x-error': 'body is not JSON', 'x-error-class': 'InvalidMessageError' },
      }),
    );
    expect(record.body.equals(content)).toBe(true);
    expect(record.messageId).toBeNull();
    expect(record.messageType).toBeNull();
    expect(record.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('gives a redelivered copy the same archive key (x-delivery-count ignored), a second death a new one', () => {
    const first = parseDeadLetter(delivery({ headers: runtimeHeaders }));
    const redelivered = parseDeadLetter(delivery({ headers: { ...runtimeHeaders, 'x-delivery-count': 2 } }));
    const again = parseDeadLetter(
      delivery({ headers: { ...runtimeHeaders, 'x-dead-lettered-at': '2026-01-02T00:00:00.000Z' } }),
    );
    expect(redelivered.archiveKey).toBe(first.archiveKey);
    expect(again.archiveKey).not.toBe(first.archiveKey);
  });

  it('makes header Buffers JSON-safe', () => {
    const record = parseDeadLetter(
      delivery({ headers: { text: Buffer.from('hi'), bytes: Buffer.from([0xff]) } }),
    );
    expect(record.headers).toEqual({ text: 'hi', bytes: { $base64: '/w==' } });
  });
});

describe('replay lineage', () => {
  it('links a replayed copy that failed again to the dead letter it was replayed from', () => {
    const from = 'AAAAAAAA-2222-4333-8444-555555555555';
    const record = parseDeadLetter(delivery({ headers: { ...runtimeHeaders, 'x-replayed-from': from } }));
    expect(record.replayedFromId).toBe(from.toLowerCase());
  });

  it('ignores a missing or malformed x-replayed-from', () => {
    expect(parseDeadLetter(delivery({ headers: runtimeHeaders })).replayedFromId).toBeNull();
    expect(
      parseDeadLetter(delivery({ headers: { ...runtimeHeaders, 'x-replayed-from': 'nope' } })).replayedFromId,
    ).toBeNull();
  });
});

describe('workQueueOf', () => {
  it('strips .dead', () => {
    expect(workQueueOf('notifier.dead')).toBe('notifier');
    expect(workQueueOf('other')).toBe('other');
  });
});
