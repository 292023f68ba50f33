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

describe('normalizeErrorMessage on hostile input', () => {
  /**
   * CPU time of the shortest of five runs, in ms: CPU time rather than wall time, so other work on
   * a busy machine (which delays this process, not its work) does not count.
   */
  function timeOf(text: string): number {
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const start = process.cpuUsage();
      normalizeErrorMessage(text);
      const used = process.cpuUsage(start);
      best = Math.min(best, (used.user + used.system) / 1000);
    }
    return best;
  }

  // Runs of local-part characters without an `@`, hex runs that end in a non-boundary, digit runs,
  // separator-heavy text: each was rescanned from every position by the old email pattern.
  const families: Record<string, (n: number) => string> = {
    letters: (n) => 'a'.repeat(n),
    digits: (n) => '1'.repeat(n),
    'dotted words': (n) => 'a.'.repeat(n / 2),
    'hex then a letter': (n) => 'a0'.repeat(n / 2 - 1) + 'g',
    'plus and minus': (n) => '+-'.repeat(n / 2),
    'at signs': (n) => 'a@'.repeat(n / 2),
    'near emails': (n) => 'a@a.'.repeat(n / 4),
    'near times': (n) => '2026-01-01T10:00'.repeat(n / 16),
  };

  it.each(Object.entries(families))(
    'grows linearly with the message length: %s (8 KB → 64 KB costs well under 64×)',
    (_name, make) => {
      const small = make(8 * 1024);
      const large = make(64 * 1024);
      timeOf(small); // warm the regex engine up
      // Linear is 8× (a millisecond or two here), quadratic 64× (seconds: 64 KB of letters took
      // 7.9 s before); the 2 ms floor keeps timer and GC noise on tiny timings out of the ratio.
      expect(timeOf(large) / Math.max(timeOf(small), 2)).toBeLessThan(16);
    },
  );

  it('still finds emails after a long run of local-part characters', () => {
    expect(normalizeErrorMessage(`${'x'.repeat(10_000)} ada@school.edu`)).toBe(
      `${'x'.repeat(10_000)} <email>`,
    );
  });
});
