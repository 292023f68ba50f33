import { describe, expect, test } from 'vitest';
import { kratosSyncEventId, notificationId } from './ids.js';

describe('ingress id mirrors', () => {
  test('kratos sync ids are stable version-5 UUIDs per trigger id', () => {
    const a = kratosSyncEventId('trigger-1');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(kratosSyncEventId('trigger-1')).toBe(a);
    expect(kratosSyncEventId('trigger-2')).not.toBe(a);
  });

  test('notification ids are stable version-5 UUIDs per idempotency key, distinct from sync ids', () => {
    const n = notificationId('key-1');
    expect(n).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(notificationId('key-1')).toBe(n);
    expect(n).not.toBe(kratosSyncEventId('key-1'));
  });
});
