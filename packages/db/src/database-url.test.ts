import { describe, expect, it } from 'vitest';
import { databaseName, quoteIdent, redactUrl, withDatabase } from './database-url.js';

describe('database URLs', () => {
  it('reads and replaces the database name', () => {
    expect(databaseName('postgresql://u:p@h:5432/identity_relay?sslmode=require')).toBe('identity_relay');
    expect(withDatabase('postgresql://u:p@h:5432/identity_relay?sslmode=require', 'postgres')).toBe(
      'postgresql://u:p@h:5432/postgres?sslmode=require',
    );
    expect(databaseName(withDatabase('postgres://h/x', 'with space'))).toBe('with space');
  });

  it('refuses URLs without a database or of another scheme', () => {
    expect(() => databaseName('postgresql://h:5432/')).toThrow(RangeError);
    expect(() => databaseName('mysql://h/x')).toThrow(RangeError);
    expect(() => databaseName('not a url')).toThrow(RangeError);
  });

  it('redacts the password only', () => {
    expect(redactUrl('postgresql://u:secret@h/d')).toBe('postgresql://u:***@h/d');
    expect(redactUrl('postgresql://u@h/d')).toBe('postgresql://u@h/d');
  });

  it('quotes identifiers', () => {
    expect(quoteIdent('a"b')).toBe('"a""b"');
  });
});
