import { describe, expect, it } from 'vitest';
import type { Prisma } from '@identity-relay/db';
import { replayHeaders, replayMessage } from './replay-message.js';

const now = new Date('2026-03-01T00:00:00.000Z');

function row(over: Partial<Prisma.DeadLetterModel> = {}): Prisma.DeadLetterModel {
  return {
    id: '11111111-2222-4333-8444-555555555555',
    queue: 'identity-sync',
    archiveKey: 'k',
    messageId: 'e-1',
    messageType: 'KratosIdentityUpdated',
    exchange: 'identity.events',
    routingKey: 'kratos.identity.updated',
    headers: {
      traceparent: '00-a-b-01',
      'x-error': 'boom',
      'x-error-class': 'TransientError',
      'x-attempts': 3,
      'x-attempt': 3,
      'x-first-failed-at': 'x',
      'x-dead-lettered-at': 'y',
      'x-original-exchange': 'identity.events',
      'x-original-routing-key': 'kratos.identity.updated',
      'x-service': 'identity-sync',
      'x-host': 'h',
      'x-death': [],
      'x-first-death-queue': 'q',
      'x-replay-count': 1,
      bytes: { $base64: '/w==' },
    },
    properties: { contentType: 'application/cloudevents+json', timestamp: 1767225600 },
    body: new Uint8Array(Buffer.from('{"a":1}')),
    error: 'boom',
    errorClass: 'TransientError',
    errorCode: null,
    fingerprint: 'f',
    attempts: 3,
    firstFailedAt: null,
    deadLetteredAt: now,
    service: 'identity-sync',
    host: 'h',
    status: 'open',
    replayCount: 1,
    resolvedAt: null,
    archivedAt: now,
    replayedFromId: null,
    erasedAt: null,
    ...over,
  };
}

describe('replayMessage', () => {
  it('republishes the original bytes, id, type and producer headers to the original route, with replay markers', () => {
    const msg = replayMessage(row(), 'cli:ada', now);
    expect(msg).toMatchObject({
      exchange: 'identity.events',
      routingKey: 'kratos.identity.updated',
      messageId: 'e-1',
      type: 'KratosIdentityUpdated',
      contentType: 'application/cloudevents+json',
      timestamp: new Date(1767225600 * 1000),
    });
    expect((msg.body as Buffer).toString()).toBe('{"a":1}');
    expect(msg.headers).toEqual({
      traceparent: '00-a-b-01',
      bytes: Buffer.from([0xff]),
      'x-replay-count': 2,
      'x-replayed-at': '2026-03-01T00:00:00.000Z',
      'x-replayed-by': 'cli:ada',
      'x-replayed-from': '11111111-2222-4333-8444-555555555555',
    });
  });

  it('publishes a corrected body instead of the stored one when given', () => {
    const msg = replayMessage(row(), 'cli:ada', now, Buffer.from('{"a":2}'));
    expect((msg.body as Buffer).toString()).toBe('{"a":2}');
    expect(msg.messageId).toBe('e-1');
  });

  it('sends a dead letter with no known route straight to its work queue, and uses the row id when there is no message id', () => {
    const msg = replayMessage(row({ exchange: null, routingKey: null, messageId: null }), 'x', now);
    expect(msg).toMatchObject({
      exchange: '',
      routingKey: 'identity-sync',
      messageId: '11111111-2222-4333-8444-555555555555',
    });
  });

  it('tolerates headers that are not an object', () => {
    expect(replayHeaders(null, 1, 'a', now)).toEqual({
      'x-replay-count': 1,
      'x-replayed-at': now.toISOString(),
      'x-replayed-by': 'a',
    });
  });
});
