import { describe, expect, it } from 'vitest';
import { poolConfig, resolveDbOptions } from './db-options.js';

const databaseUrl = 'postgresql://u@h:5432/d';

describe('resolveDbOptions', () => {
  it('fills the documented defaults', () => {
    expect(resolveDbOptions({ databaseUrl })).toEqual({
      databaseUrl,
      poolMax: 10,
      connectionTimeoutMs: 5000,
      idleTimeoutMs: 30_000,
      statementTimeoutMs: undefined,
      applicationName: undefined,
    });
  });

  it.each([
    { poolMax: 0 },
    { poolMax: 1.5 },
    { poolMax: 201 },
    { connectionTimeoutMs: 0 },
    { idleTimeoutMs: -1 },
    { statementTimeoutMs: 0 },
    { applicationName: 'x'.repeat(64) },
    { databaseUrl: 'mysql://u@h/d' },
  ])('rejects %o', (bad) => {
    expect(() => resolveDbOptions({ databaseUrl, ...bad })).toThrow(RangeError);
  });
});

describe('poolConfig', () => {
  it('sets size, timeouts and keepAlive explicitly', () => {
    const config = poolConfig(
      resolveDbOptions({ databaseUrl, poolMax: 3, statementTimeoutMs: 100, applicationName: 'svc' }),
    );
    expect(config).toEqual({
      connectionString: databaseUrl,
      max: 3,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      statement_timeout: 100,
      application_name: 'svc',
    });
  });
});
