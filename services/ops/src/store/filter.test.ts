import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../errors.js';
import { decodeCursor, encodeCursor, parseFilter, parseLimit, toWhere } from './filter.js';

describe('parseFilter', () => {
  it('reads every key and ignores empty values', () => {
    const f = parseFilter({
      queue: 'notifier',
      type: 'T',
      fingerprint: 'abc',
      status: 'open',
      since: '2026-01-01T00:00:00Z',
      until: '',
    });
    expect(f).toEqual({
      queue: 'notifier',
      type: 'T',
      fingerprint: 'abc',
      status: 'open',
      since: new Date('2026-01-01T00:00:00Z'),
    });
    expect(toWhere(f)).toEqual({
      queue: 'notifier',
      messageType: 'T',
      fingerprint: 'abc',
      status: 'open',
      deadLetteredAt: { gte: f.since },
    });
  });

  it('refuses unknown keys, bad statuses, bad dates and inverted ranges, all at once', () => {
    let error: unknown;
    try {
      parseFilter({ queu: 'x', status: 'done', since: 'yesterday' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as Error).message).toMatch(
      /queu: unknown filter.*status: must be one of.*since: must be an ISO/,
    );
    expect(() => parseFilter({ since: '2026-02-01', until: '2026-01-01' })).toThrow(/before until/);
  });

  it('lets callers allow extra keys (paging) without treating them as filters', () => {
    expect(parseFilter({ limit: '5', queue: 'a' }, { allow: ['limit'] })).toEqual({ queue: 'a' });
  });
});

describe('cursor and limit', () => {
  it('round-trips a cursor and refuses garbage', () => {
    const c = { at: new Date('2026-01-01T00:00:00.000Z'), id: '11111111-2222-4333-8444-555555555555' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(() => decodeCursor('nope')).toThrow(BadRequestError);
  });

  it('range-checks limit', () => {
    expect(parseLimit(undefined)).toBe(50);
    expect(parseLimit('10')).toBe(10);
    expect(() => parseLimit('0')).toThrow(/limit/);
    expect(() => parseLimit('501')).toThrow(/limit/);
  });
});
