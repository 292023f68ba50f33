import { v5 as uuidv5 } from 'uuid';
import { describe, expect, test } from 'vitest';
import { idempotentNotificationId, kratosSyncEventId, stableEventId } from './message-ids.js';

const V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('message ids', () => {
  test('event ids are the ones earlier versions derived (they are dedup keys of messages in flight)', () => {
    // Produced by the ingress before it used `uuid`: SHA-1 of `source:key` with the version-5 bits set.
    expect(stableEventId('kratos:webhook-id', 'msg_2Kz')).toBe('9a6fad55-8c70-55aa-8a40-4bd1f25045ff');
    expect(stableEventId('kratos:sync-identity', '9f0c7a52-1e7b-4c55-9a0e-3c2b6f1d8e44')).toBe(
      '4098cb8c-4841-58fa-8c51-743863cab918',
    );
    expect(stableEventId('authentik:event', 'e1')).toBe('8718c4e5-80ed-50a3-a649-3f53a1f6b99e');
    expect(stableEventId('authentik:webhook-id', 'w1')).toBe('f76b2fa5-980e-55be-af71-dcf1b0e60b39');
    expect(stableEventId('authentik:change', 'model_updated:42:2026-01-01T00:00:00Z')).toBe(
      '1633cbfd-650b-5e1f-aec8-d5284651a69c',
    );
    expect(idempotentNotificationId('key-1')).toBe('b30b50e0-5a3a-5298-b11c-1171e1816e2e');
  });

  test('they are RFC 9562 version-5 UUIDs, stable per key and distinct across sources', () => {
    const a = kratosSyncEventId('trigger-1');
    expect(a).toMatch(V5);
    expect(kratosSyncEventId('trigger-1')).toBe(a);
    expect(kratosSyncEventId('trigger-2')).not.toBe(a);
    expect(stableEventId('kratos:webhook-id', 'trigger-1')).not.toBe(a);
    expect(idempotentNotificationId('trigger-1')).toMatch(V5);
    expect(idempotentNotificationId('trigger-1')).not.toBe(a);
    // RFC 9562 appendix A.4: UUIDv5 of "www.example.com" in the DNS namespace.
    expect(uuidv5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  test('a source too short to hold the namespace is refused', () => {
    expect(() => stableEventId('kratos:x', 'k')).toThrow(RangeError);
  });
});
