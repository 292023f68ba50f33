import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, MigrationError } from './errors.js';
import { isTransientDbError } from './transient.js';

const pgError = (code: string, message = 'x') =>
  Object.assign(new Error(message), { code, severity: 'ERROR' });
const prismaError = (code: string, cause?: object) =>
  Object.assign(new Error('prisma'), { code, meta: cause ? { driverAdapterError: { cause } } : {} });

describe('isTransientDbError', () => {
  it.each([
    ['serialization failure', pgError('40001')],
    ['deadlock', pgError('40P01')],
    ['admin shutdown', pgError('57P01', 'terminating connection due to administrator command')],
    ['server starting up', pgError('57P03')],
    ['too many connections', pgError('53300')],
    ['statement timeout', pgError('57014', 'canceling statement due to statement timeout')],
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['pg connection lost', new Error('Connection terminated unexpectedly')],
    ['pg connect timeout', new Error('Connection terminated due to connection timeout')],
    ['pg pool timeout', new Error('timeout exceeded when trying to connect')],
    ['prisma unreachable', prismaError('P1001')],
    ['prisma closed', prismaError('P1017')],
    ['prisma write conflict', prismaError('P2034')],
    ['prisma raw query, unreachable', prismaError('P2010', { kind: 'DatabaseNotReachable' })],
    [
      'prisma raw query, 40001',
      prismaError('P2010', { kind: 'TransactionWriteConflict', originalCode: '40001' }),
    ],
    ['prisma raw query, postgres 57P01', prismaError('P2010', { kind: 'postgres', code: '57P01' })],
    ['named', new DatabaseUnavailableError('down')],
    ['wrapped in cause', new MigrationError('MIGRATION_FAILED', 'x', { cause: pgError('57P01') })],
  ])('%s → transient', (_label, err) => {
    expect(isTransientDbError(err)).toBe(true);
  });

  it.each([
    ['unique violation', pgError('23505')],
    ['syntax error', pgError('42601')],
    ['undefined table', pgError('42P01')],
    ['prisma unique', prismaError('P2002', { kind: 'UniqueConstraintViolation' })],
    ['prisma raw query, syntax', prismaError('P2010', { kind: 'postgres', code: '42601' })],
    ['checksum mismatch', new MigrationError('MIGRATION_CHECKSUM_MISMATCH', 'edited')],
    ['plain error', new Error('boom')],
    ['non-errors', 'ECONNREFUSED'],
    ['null', null],
  ])('%s → not transient', (_label, err) => {
    expect(isTransientDbError(err)).toBe(false);
  });

  it('survives a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    a.cause = a;
    expect(isTransientDbError(a)).toBe(false);
  });
});
