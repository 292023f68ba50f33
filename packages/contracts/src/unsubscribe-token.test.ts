import { describe, expect, test } from 'vitest';
import { signUnsubscribeToken, unsubscribeKeys, verifyUnsubscribeToken } from './unsubscribe-token.js';

const target = { list: 'educators', email: 'Ada@School.edu' };

describe('unsubscribe tokens', () => {
  test('a signed token verifies and names the list and the lower-cased address', () => {
    const token = signUnsubscribeToken('k1', target);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyUnsubscribeToken('k1', token)).toEqual({
      ok: true,
      list: 'educators',
      email: 'ada@school.edu',
    });
  });
  test('a tampered payload or signature, or another key, is a signature failure', () => {
    const token = signUnsubscribeToken('k1', target);
    const [payload, sig] = token.split('.') as [string, string];
    const other = signUnsubscribeToken('k1', { list: 'staff', email: 'ada@school.edu' }).split('.')[0];
    expect(verifyUnsubscribeToken('k1', `${other}.${sig}`)).toEqual({ ok: false, reason: 'signature' });
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect(verifyUnsubscribeToken('k1', `${payload}.${flipped}`)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyUnsubscribeToken('k2', token)).toEqual({ ok: false, reason: 'signature' });
  });
  test('garbage is malformed', () => {
    for (const bad of ['', 'abc', 'a.b', `${'x'.repeat(10)}.${'y'.repeat(43)}`, '../../etc']) {
      expect(verifyUnsubscribeToken('k1', bad)).toEqual({ ok: false, reason: 'malformed' });
    }
  });
  test('rotation: the first key signs, every key verifies', () => {
    const old = signUnsubscribeToken('old', target);
    const fresh = signUnsubscribeToken('new, old', target);
    expect(unsubscribeKeys(' new, old ,')).toEqual(['new', 'old']);
    expect(verifyUnsubscribeToken('new,old', old).ok).toBe(true);
    expect(verifyUnsubscribeToken('new,old', fresh).ok).toBe(true);
    expect(verifyUnsubscribeToken('old', fresh).ok).toBe(false);
  });
});
