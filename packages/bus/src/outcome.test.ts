import { describe, expect, it } from 'vitest';
import {
  InvalidMessageError,
  PermanentError,
  RelayError,
  TransientError,
  isPermanent,
  toError,
} from './errors.js';
import { ack, deadLetter, outcomeOfError, retry, retryDelayFor, settle } from './outcome.js';

const delays = [100, 200] as const;

describe('error classification', () => {
  it('dead-letters PermanentError and its subclasses', () => {
    expect(outcomeOfError(new PermanentError('no')).kind).toBe('dead');
    expect(outcomeOfError(new InvalidMessageError('bad')).kind).toBe('dead');
  });

  it('retries TransientError and any unknown error', () => {
    expect(outcomeOfError(new TransientError('later')).kind).toBe('retry');
    expect(outcomeOfError(new TypeError('oops')).kind).toBe('retry');
    expect(outcomeOfError(new RelayError('x', { code: 'X' })).kind).toBe('retry');
  });

  it('turns thrown non-errors into errors', () => {
    const outcome = outcomeOfError('just a string');
    expect(outcome).toEqual({ kind: 'retry', error: new Error('just a string') });
    expect(toError({ a: 1 }).message).toContain('{"a":1}');
  });

  it('gives each error its class name, code and cause', () => {
    const cause = new Error('socket hang up');
    const err = new TransientError('db down', { code: 'DB_DOWN', cause });
    expect(err.name).toBe('TransientError');
    expect(err.code).toBe('DB_DOWN');
    expect(err.cause).toBe(cause);
    expect(new InvalidMessageError('x').code).toBe('INVALID_MESSAGE');
    expect(new InvalidMessageError('x').name).toBe('InvalidMessageError');
    expect(isPermanent(new InvalidMessageError('x'))).toBe(true);
    expect(isPermanent(new TransientError('x'))).toBe(false);
  });
});

describe('retry queue choice by attempt', () => {
  it('uses the n-th delay after the n-th attempt', () => {
    expect(retryDelayFor(1, delays)).toBe(100);
    expect(retryDelayFor(2, delays)).toBe(200);
    expect(retryDelayFor(3, delays)).toBeUndefined();
    expect(retryDelayFor(0, delays)).toBeUndefined();
  });

  it('settles retries into the next delay queue until the delays run out', () => {
    const error = new TransientError('later');
    expect(settle(retry(error), 1, delays)).toEqual({ kind: 'retry', error, delayMs: 100, nextAttempt: 2 });
    expect(settle(retry(error), 2, delays)).toEqual({ kind: 'retry', error, delayMs: 200, nextAttempt: 3 });
    expect(settle(retry(error), 3, delays)).toEqual({ kind: 'dead', error, attempts: 3 });
  });

  it('dead-letters at once with no delays configured', () => {
    const error = new Error('x');
    expect(settle(retry(error), 1, [])).toEqual({ kind: 'dead', error, attempts: 1 });
  });

  it('passes ack and dead through', () => {
    const error = new PermanentError('x');
    expect(settle(ack(), 2, delays)).toEqual({ kind: 'ack' });
    expect(settle(deadLetter(error), 2, delays)).toEqual({ kind: 'dead', error, attempts: 2 });
  });
});
