import { describe, expect, test } from 'vitest';
import { isZeroTime, normalizeTime, sourceTimeMs, storedSourceTime } from './time.js';

describe('normalizeTime', () => {
  test.each([
    ['2026-04-27T16:05:13.011508962Z', '2026-04-27T16:05:13.011508Z'],
    ['2026-04-27T16:05:13Z', '2026-04-27T16:05:13.000Z'],
    ['2026-04-27T16:05:13.5Z', '2026-04-27T16:05:13.500Z'],
    ['2026-04-27T18:05:13.123+02:00', '2026-04-27T16:05:13.123Z'],
    ['2026-04-27t13:35:13.123-0230', '2026-04-27T16:05:13.123Z'],
    ['2026-01-01T00:30:00.25+01:00', '2025-12-31T23:30:00.250Z'],
    ['2026-04-27T16:05:13.011508Z', '2026-04-27T16:05:13.011508Z'],
    ['2026-02-30T24:00:00.123Z', '2026-03-03T00:00:00.123Z'],
    ['2026-02-28T23:59:59.999Z', '2026-02-28T23:59:59.999Z'],
  ])('%s → %s', (input, output) => {
    expect(normalizeTime(input)).toBe(output);
  });

  test('a Date becomes its ISO string', () => {
    expect(normalizeTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)))).toBe('2026-01-02T03:04:05.006Z');
  });

  test.each([
    '',
    'now',
    '2026-04-27',
    '2026-13-01T00:00:00Z',
    '2026-04-27T16:05:13',
    '2026-13-01T00:00:00.000Z',
  ])('refuses %j', (input) => {
    expect(() => normalizeTime(input)).toThrow(expect.objectContaining({ code: 'INVALID_TIME' }));
  });

  test('refuses an invalid Date', () => {
    expect(() => normalizeTime(new Date(NaN))).toThrow(expect.objectContaining({ code: 'INVALID_TIME' }));
  });
});

describe('isZeroTime', () => {
  test('recognises Go zero time only', () => {
    expect(isZeroTime('0001-01-01T00:00:00Z')).toBe(true);
    expect(isZeroTime('0001-01-01T00:00:00.000Z')).toBe(true);
    expect(isZeroTime('0001-01-01T01:00:00+01:00')).toBe(true);
    expect(isZeroTime('0000-12-31T23:00:00-01:00')).toBe(true);
    expect(isZeroTime('1970-01-01T00:00:00Z')).toBe(false);
  });
});

describe('sourceTimeMs / storedSourceTime', () => {
  test.each([
    ['2026-11-30T10:00:00.123456Z', '2026-11-30T10:00:00.123Z'],
    ['2026-11-30T10:00:00.123756Z', '2026-11-30T10:00:00.123Z'],
    ['2026-11-30T10:00:00.999999999Z', '2026-11-30T10:00:00.999Z'],
    ['2026-11-30T10:00:00Z', '2026-11-30T10:00:00.000Z'],
    ['2026-11-30T12:00:00.5+02:00', '2026-11-30T10:00:00.500Z'],
  ])('%s is kept as %s, below the millisecond dropped', (input, stored) => {
    expect(storedSourceTime(input)).toBe(stored);
    expect(sourceTimeMs(input)).toBe(Date.parse(stored));
  });

  test('a time read back from the column compares equal to the time it was written from', () => {
    const sent = '2026-11-30T10:00:00.123756Z';
    expect(sourceTimeMs(storedSourceTime(sent))).toBe(sourceTimeMs(sent));
  });
});
