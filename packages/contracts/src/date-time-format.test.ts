import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ajv, compile } from './ajv.js';
import { fastDateTime } from './date-time-format.js';

// ajv-formats' own full-mode validator, as registered before the fast path replaced it.
const formatsPlugin = (await import('ajv-formats')).default as unknown as (a: typeof ajv) => void;
const { Ajv } = await import('ajv');
const reference = new Ajv();
formatsPlugin(reference as typeof ajv);
const full = (reference.formats['date-time'] as { validate: (v: string) => boolean }).validate;
const fast = fastDateTime(full);
const plainOnly = fastDateTime(() => false);

const twoDigits = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
/** Timestamps near the usual shape, with out-of-range fields, odd zones, separators and fractions mixed in. */
const nearTimes = fc
  .tuple(
    fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
    twoDigits(13),
    twoDigits(32),
    fc.constantFrom('T', 't', ' ', 'x', 'TT'),
    twoDigits(24),
    twoDigits(60),
    twoDigits(61),
    fc.constantFrom('', '.', '.5', '.123456789', '.1a'),
    fc.constantFrom('Z', 'z', '', '+01:00', '-23:59', '+24:00', '+05:60', '+0100', '+01', ' Z', 'Zx'),
  )
  .map(([y, mo, d, sep, h, mi, s, frac, zone]) => `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${frac}${zone}`);

describe('date-time format', () => {
  test('accepts exactly what ajv-formats (full mode) accepts', () => {
    fc.assert(
      fc.property(fc.oneof(nearTimes, fc.string()), (value) => {
        expect(fast(value)).toBe(full(value));
        // The fast path alone never accepts what ajv-formats refuses.
        if (plainOnly(value)) expect(full(value)).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  test('the usual shapes take the fast path; leap days and leap seconds are decided as ajv-formats does', () => {
    for (const value of [
      '2026-01-01T00:00:00Z',
      '2026-12-01T15:50:54.123456789+01:00',
      '2024-02-29t23:59:59z',
    ])
      expect(plainOnly(value), value).toBe(true);
    for (const [value, valid] of [
      ['2023-02-29T00:00:00Z', false],
      ['2000-02-29T00:00:00Z', true],
      ['1900-02-29T00:00:00Z', false],
      ['2026-04-31T00:00:00Z', false],
      ['2026-12-31T23:59:60Z', true],
      ['2026-12-31T22:59:60Z', false],
      ['2026-12-31T23:59:60+01:00', false],
      ['2026-01-01T00:00:00', false],
    ] as const)
      expect(compile({ type: 'string', format: 'date-time' })(value), value).toBe(valid);
  });
});
