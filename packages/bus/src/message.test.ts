import type { ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { InvalidMessageError } from './errors.js';
import { decodeDelivery } from './message.js';

function delivery(
  content: string | Buffer,
  properties: Record<string, unknown> = {},
  fields: Partial<ConsumeMessage['fields']> = {},
): ConsumeMessage {
  return {
    content: Buffer.isBuffer(content) ? content : Buffer.from(content),
    fields: {
      deliveryTag: 1,
      redelivered: false,
      exchange: 'identity.events',
      routingKey: 'kratos.identity.updated',
      consumerTag: 'c',
      ...fields,
    },
    properties: { headers: {}, ...properties },
  } as unknown as ConsumeMessage;
}

const handlers = { Known: async () => undefined };

describe('decodeDelivery', () => {
  it('builds the handler view of a first delivery', () => {
    const { message, problem } = decodeDelivery(
      delivery('{"id":"1","type":"Known"}', { messageId: '1', type: 'Known', headers: { traceparent: 't' } }),
      { handlers },
    );
    expect(problem).toBeUndefined();
    expect(message).toMatchObject({
      body: { id: '1', type: 'Known' },
      messageId: '1',
      type: 'Known',
      headers: { traceparent: 't' },
      exchange: 'identity.events',
      routingKey: 'kratos.identity.updated',
      attempt: 1,
      redelivered: false,
    });
  });

  it('exposes a valid traceparent from the header, else from the CloudEvent attribute, else none', () => {
    const header = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const attribute = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const body = JSON.stringify({ type: 'Known', traceparent: attribute });
    const decode = (headers: Record<string, unknown>, content = body) =>
      decodeDelivery(delivery(content, { type: 'Known', headers }), { handlers }).message.traceparent;
    expect(decode({ traceparent: header })).toBe(header);
    expect(decode({})).toBe(attribute);
    expect(decode({ traceparent: 'garbage' })).toBe(attribute);
    expect(decode({ traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` }, '{}')).toBeUndefined();
    expect(decode({}, '{"type":"Known","traceparent":42}')).toBeUndefined();
  });

  it('restores the original route and attempt after a retry hop', () => {
    const { message } = decodeDelivery(
      delivery(
        '{}',
        {
          type: 'Known',
          headers: {
            'x-attempt': 3,
            'x-original-exchange': 'identity.events',
            'x-original-routing-key': 'a.b',
          },
        },
        { exchange: '', routingKey: 'identity-sync', redelivered: true },
      ),
      { handlers },
    );
    expect(message).toMatchObject({
      exchange: 'identity.events',
      routingKey: 'a.b',
      attempt: 3,
      redelivered: true,
    });
  });

  it('falls back to the body type when the AMQP type is absent', () => {
    const { message, problem } = decodeDelivery(delivery('{"type":"Known"}'), { handlers });
    expect(message.type).toBe('Known');
    expect(problem).toBeUndefined();
  });

  it('flags unparseable bodies, keeping the bytes', () => {
    const { message, problem } = decodeDelivery(delivery('{nope', { type: 'Known' }), { handlers });
    expect(problem).toBeInstanceOf(InvalidMessageError);
    expect(problem?.code).toBe('UNPARSEABLE');
    expect(message.raw.toString()).toBe('{nope');
    expect(message.body).toBeUndefined();
  });

  it('flags a missing type and a type with no handler', () => {
    expect(decodeDelivery(delivery('{}'), { handlers }).problem?.code).toBe('NO_TYPE');
    expect(decodeDelivery(delivery('{}', { type: 'Other' }), { handlers }).problem?.code).toBe(
      'UNKNOWN_TYPE',
    );
    // Inherited object keys are not handlers.
    expect(decodeDelivery(delivery('{}', { type: 'toString' }), { handlers }).problem?.code).toBe(
      'UNKNOWN_TYPE',
    );
  });

  it('flags schema errors from validate, listing them', () => {
    const { problem } = decodeDelivery(delivery('{"data":{}}', { type: 'Known' }), {
      handlers,
      validate: (type, body) =>
        type === 'Known' && !(body as { data: { n?: number } }).data.n
          ? ['/data/n is required', '/data/x bad']
          : null,
    });
    expect(problem?.code).toBe('SCHEMA_INVALID');
    expect(problem?.details).toEqual(['/data/n is required', '/data/x bad']);
    expect(problem?.message).toContain('/data/n is required; /data/x bad');
  });

  it('accepts what validate accepts', () => {
    const { problem } = decodeDelivery(delivery('{}', { type: 'Known' }), { handlers, validate: () => null });
    expect(problem).toBeUndefined();
  });
});
