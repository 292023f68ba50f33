import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from './errors.js';
import {
  HEADERS,
  MAX_ERROR_BYTES,
  attemptOf,
  carriedHeaders,
  deadHeaders,
  originalRoute,
  retryHeaders,
  truncateUtf8,
} from './headers.js';

const now = new Date('2030-01-02T03:04:05.000Z');
const original = { exchange: 'identity.events', routingKey: 'kratos.identity.updated' };

describe('attemptOf', () => {
  it('is 1 without a valid x-attempt header', () => {
    expect(attemptOf({})).toBe(1);
    expect(attemptOf({ 'x-attempt': 0 })).toBe(1);
    expect(attemptOf({ 'x-attempt': 'abc' })).toBe(1);
    expect(attemptOf({ 'x-attempt': 2.5 })).toBe(1);
  });

  it('reads numbers and numeric strings', () => {
    expect(attemptOf({ 'x-attempt': 3 })).toBe(3);
    expect(attemptOf({ 'x-attempt': '4' })).toBe(4);
  });
});

describe('originalRoute', () => {
  it('restores the route from headers after a retry hop', () => {
    const hop = { exchange: '', routingKey: 'identity-sync' };
    expect(
      originalRoute({ 'x-original-exchange': 'identity.events', 'x-original-routing-key': 'a.b' }, hop),
    ).toEqual({
      exchange: 'identity.events',
      routingKey: 'a.b',
    });
    expect(originalRoute({}, hop)).toEqual(hop);
  });
});

describe('carriedHeaders', () => {
  it('drops broker bookkeeping and keeps producer headers', () => {
    expect(
      carriedHeaders({
        traceparent: '00-abc',
        'x-death': [],
        'x-delivery-count': 2,
        'x-first-death-queue': 'q',
        'x-last-death-reason': 'expired',
        'x-attempt': 2,
      }),
    ).toEqual({ traceparent: '00-abc', 'x-attempt': 2 });
  });
});

describe('retryHeaders', () => {
  it('sets the next attempt, the first failure time, the error and the original route', () => {
    const headers = retryHeaders({
      headers: { traceparent: '00-abc', 'x-death': [{}] },
      error: new TransientError('db down'),
      nextAttempt: 2,
      original,
      now,
    });
    expect(headers).toEqual({
      traceparent: '00-abc',
      'x-attempt': 2,
      'x-first-failed-at': '2030-01-02T03:04:05.000Z',
      'x-last-error': 'db down',
      'x-original-exchange': 'identity.events',
      'x-original-routing-key': 'kratos.identity.updated',
    });
  });

  it('keeps the first failure time of an earlier hop', () => {
    const headers = retryHeaders({
      headers: { 'x-first-failed-at': '2029-12-31T00:00:00.000Z', 'x-attempt': 2 },
      error: new Error('again'),
      nextAttempt: 3,
      original,
      now,
    });
    expect(headers[HEADERS.firstFailedAt]).toBe('2029-12-31T00:00:00.000Z');
    expect(headers[HEADERS.attempt]).toBe(3);
  });
});

describe('deadHeaders', () => {
  it('records the failure, who gave up and the original route, keeping producer headers', () => {
    const headers = deadHeaders({
      headers: {
        traceparent: '00-abc',
        'x-attempt': 3,
        'x-last-error': 'old',
        'x-first-failed-at': '2029-12-31T00:00:00.000Z',
      },
      error: new PermanentError('refused', { code: 'POLICY' }),
      attempts: 3,
      original,
      now,
      service: 'identity-sync',
      host: 'worker-1',
    });
    expect(headers).toEqual({
      traceparent: '00-abc',
      'x-error': 'refused',
      'x-error-class': 'PermanentError',
      'x-error-code': 'POLICY',
      'x-attempts': 3,
      'x-first-failed-at': '2029-12-31T00:00:00.000Z',
      'x-dead-lettered-at': '2030-01-02T03:04:05.000Z',
      'x-original-exchange': 'identity.events',
      'x-original-routing-key': 'kratos.identity.updated',
      'x-service': 'identity-sync',
      'x-host': 'worker-1',
    });
  });

  it('truncates long error messages', () => {
    const headers = deadHeaders({
      headers: {},
      error: new Error('x'.repeat(5000)),
      attempts: 1,
      original,
      now,
      service: 's',
      host: 'h',
    });
    expect(Buffer.byteLength(String(headers[HEADERS.error]))).toBeLessThanOrEqual(MAX_ERROR_BYTES);
    expect(headers[HEADERS.errorCode]).toBeUndefined();
    expect(headers[HEADERS.errorClass]).toBe('Error');
  });
});

describe('truncateUtf8', () => {
  it('leaves short text alone', () => {
    expect(truncateUtf8('short', 10)).toBe('short');
  });

  it('never splits a multi-byte character', () => {
    const cut = truncateUtf8('é'.repeat(100), 21);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(21);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut).not.toContain('\uFFFD');
    expect(cut.slice(0, -1)).toMatch(/^é+$/);
  });
});
