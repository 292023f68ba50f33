import { describe, expect, test } from 'vitest';
import { syncEventId } from './kratos.js';

describe('syncEventId', () => {
  test('keeps the id a Kratos trigger id has always produced (retries across an upgrade stay one event)', () => {
    expect(syncEventId('5f3c1a2b-9d8e-4f70-8a6b-1c2d3e4f5a6b')).toBe('6801f89c-b538-53f5-a117-ca1310524987');
  });

  test('prefers the signed webhook-id over the unsigned trigger id', () => {
    const signed = syncEventId('5f3c1a2b-9d8e-4f70-8a6b-1c2d3e4f5a6b', 'msg_2Lw9');
    expect(signed).not.toBe(syncEventId('5f3c1a2b-9d8e-4f70-8a6b-1c2d3e4f5a6b'));
    expect(signed).toBe(syncEventId('another-trigger', 'msg_2Lw9'));
  });

  test('no usable trigger id and no signature: undefined (a random id)', () => {
    expect(syncEventId(undefined)).toBeUndefined();
    expect(syncEventId('has spaces')).toBeUndefined();
  });
});
