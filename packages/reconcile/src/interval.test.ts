import { describe, expect, it } from 'vitest';
import { parseInterval } from './interval.js';
import { repairMessageId } from './message-id.js';

describe('parseInterval', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['6h', 21_600_000],
    ['1d', 86_400_000],
  ])('%s', (text, ms) => expect(parseInterval(text)).toBe(ms));

  it.each(['', '6', '0h', '1w', '-1h', '1.5h'])('refuses %j', (text) => {
    expect(() => parseInterval(text)).toThrow(RangeError);
  });
});

describe('repairMessageId', () => {
  it('is the same for the same drift and differs when the IdP state or the row moved on', () => {
    const id = repairMessageId('kratos', 'a', 'update', '2026-01-01T00:00:00Z', 3);
    expect(repairMessageId('kratos', 'a', 'update', '2026-01-01T00:00:00Z', 3)).toBe(id);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(repairMessageId('kratos', 'a', 'update', '2026-01-02T00:00:00Z', 3)).not.toBe(id);
    expect(repairMessageId('kratos', 'a', 'update', '2026-01-01T00:00:00Z', 4)).not.toBe(id);
    expect(repairMessageId('authentik', 'a', 'update', '2026-01-01T00:00:00Z', 3)).not.toBe(id);
  });
});
