import type { ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { deadCopy, retryCopy } from './copies.js';
import { TransientError } from './errors.js';

const content = Buffer.from('{"id":"m-1","type":"T"}');
const msg = {
  content,
  fields: { deliveryTag: 7, redelivered: false, exchange: '', routingKey: 'q', consumerTag: 'c' },
  properties: {
    messageId: 'm-1',
    type: 'T',
    contentType: 'application/cloudevents+json',
    timestamp: 1893553445,
    userId: 'someone-else',
    expiration: '60000',
    deliveryMode: 1,
    headers: { traceparent: 't', 'x-death': [{}] },
  },
} as unknown as ConsumeMessage;
const original = { exchange: 'identity.events', routingKey: 'a.b' };
const now = new Date('2030-01-01T00:00:00.000Z');

describe('retryCopy', () => {
  it('sends the same bytes and properties to the retry queue for the delay', () => {
    const copy = retryCopy({
      delivery: msg,
      queue: 'q',
      error: new TransientError('x'),
      delayMs: 1000,
      nextAttempt: 2,
      original,
      now,
    });
    expect(copy.exchange).toBe('');
    expect(copy.routingKey).toBe('q.retry.1000');
    expect(copy.content).toBe(content);
    expect(copy.properties).toEqual({
      persistent: true,
      mandatory: true,
      messageId: 'm-1',
      type: 'T',
      contentType: 'application/cloudevents+json',
      timestamp: 1893553445,
      headers: {
        traceparent: 't',
        'x-attempt': 2,
        'x-first-failed-at': now.toISOString(),
        'x-last-error': 'x',
        'x-original-exchange': 'identity.events',
        'x-original-routing-key': 'a.b',
      },
    });
  });
});

describe('deadCopy', () => {
  it('sends the same bytes to the dead queue with the failure headers', () => {
    const copy = deadCopy({
      delivery: msg,
      queue: 'q',
      error: new TransientError('x'),
      attempts: 4,
      original,
      now,
      service: 's',
      host: 'h',
    });
    expect(copy.routingKey).toBe('q.dead');
    expect(copy.content).toBe(content);
    expect(copy.properties.persistent).toBe(true);
    expect(copy.properties.messageId).toBe('m-1');
    expect(copy.properties.headers).toMatchObject({
      'x-attempts': 4,
      'x-service': 's',
      'x-host': 'h',
      traceparent: 't',
    });
    expect(copy.properties.headers?.['x-death']).toBeUndefined();
  });
});
