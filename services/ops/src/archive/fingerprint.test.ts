import { describe, expect, it } from 'vitest';
import { fingerprintOf, normalizeErrorMessage } from './fingerprint.js';

describe('normalizeErrorMessage', () => {
  it('replaces uuids, emails, hex ids, times and numbers', () => {
    expect(
      normalizeErrorMessage(
        'identity 7f1c0a4e-3d2b-4c1a-9e8f-1a2b3c4d5e6f (ada@school.edu) object 65a1f0c2e4b0 failed at 2026-01-01T10:00:00.123Z after 3 tries',
      ),
    ).toBe('identity <uuid> (<email>) object <hex> failed at <time> after <n> tries');
  });

  it('keeps words that merely contain hex letters, and collapses whitespace', () => {
    expect(normalizeErrorMessage('  deadbeef   faced  a decade ')).toBe('deadbeef faced a decade');
  });
});

describe('fingerprintOf', () => {
  const base = { queue: 'identity-sync', messageType: 'KratosIdentityUpdated', errorClass: 'TransientError' };

  it('is the same for the same cause with different ids', () => {
    const a = fingerprintOf({
      ...base,
      error: 'timeout after 5000 ms for 7f1c0a4e-3d2b-4c1a-9e8f-1a2b3c4d5e6f',
    });
    const b = fingerprintOf({
      ...base,
      error: 'timeout after 3000 ms for 11111111-2222-4333-8444-555555555555',
    });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
  });

  it('differs by queue, type, error class and message', () => {
    const one = fingerprintOf({ ...base, error: 'x' });
    expect(fingerprintOf({ ...base, queue: 'subscribers', error: 'x' })).not.toBe(one);
    expect(fingerprintOf({ ...base, messageType: 'IdentityChanged', error: 'x' })).not.toBe(one);
    expect(fingerprintOf({ ...base, errorClass: 'PermanentError', error: 'x' })).not.toBe(one);
    expect(fingerprintOf({ ...base, error: 'y' })).not.toBe(one);
  });
});
