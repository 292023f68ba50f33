import { describe, expect, it } from 'vitest';
import { MigrationError } from './errors.js';
import {
  checksumMatches,
  migrationChecksum,
  orderMigrationNames,
  planMigrations,
  type AppliedMigration,
  type LocalMigration,
} from './migrations.js';

const local = (name: string, sql = `-- ${name}\n`): LocalMigration => ({
  name,
  sql,
  checksum: migrationChecksum(sql),
});
const applied = (m: LocalMigration, over: Partial<AppliedMigration> = {}): AppliedMigration => ({
  migrationName: m.name,
  checksum: m.checksum,
  finishedAt: new Date(),
  rolledBackAt: null,
  ...over,
});

describe('orderMigrationNames', () => {
  it('keeps directories only, in lexicographic (timestamp) order', () => {
    expect(
      orderMigrationNames([
        { name: 'migration_lock.toml', isDirectory: false },
        { name: '20250301000000_b', isDirectory: true },
        { name: '20241231235959_a', isDirectory: true },
        { name: '.DS_Store', isDirectory: false },
        { name: '.hidden', isDirectory: true },
        { name: '20250301000000_a', isDirectory: true },
      ]),
    ).toEqual(['20241231235959_a', '20250301000000_a', '20250301000000_b']);
  });

  it('orders by code point, not locale (as Prisma does)', () => {
    const names = ['20250101000000_b', '20250101000000_B', '20250101000000_a'];
    expect(orderMigrationNames(names.map((name) => ({ name, isDirectory: true })))).toEqual([
      '20250101000000_B',
      '20250101000000_a',
      '20250101000000_b',
    ]);
  });
});

describe('migrationChecksum', () => {
  it('is the sha256 hex of the file bytes', () => {
    expect(migrationChecksum('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(migrationChecksum('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(migrationChecksum(new TextEncoder().encode('abc'))).toBe(migrationChecksum('abc'));
  });

  it('matches the same script with other line endings, and nothing else', () => {
    const lf = 'CREATE TABLE "a" ();\nCREATE TABLE "b" ();\n';
    const crlf = lf.replace(/\n/g, '\r\n');
    expect(checksumMatches(crlf, migrationChecksum(lf))).toBe(true);
    expect(checksumMatches(lf, migrationChecksum(crlf))).toBe(true);
    expect(checksumMatches(`${lf} `, migrationChecksum(lf))).toBe(false);
  });
});

describe('planMigrations', () => {
  const [a, b, c] = [local('20250101000000_a'), local('20250102000000_b'), local('20250103000000_c')];

  it('returns every local migration for an empty history', () => {
    expect(planMigrations([a, b], [])).toEqual({ pending: [a, b], unknownApplied: [] });
  });

  it('skips applied ones and keeps the order of the rest', () => {
    expect(planMigrations([a, b, c], [applied(a), applied(c)]).pending).toEqual([b]);
  });

  it('reapplies a migration whose only row was rolled back', () => {
    expect(planMigrations([a], [applied(a, { finishedAt: null, rolledBackAt: new Date() })]).pending).toEqual(
      [a],
    );
  });

  it('refuses an applied migration whose file changed', () => {
    const edited = { ...a, sql: `${a.sql}-- edit\n`, checksum: migrationChecksum(`${a.sql}-- edit\n`) };
    expect(() => planMigrations([edited], [applied(a)])).toThrow(MigrationError);
    expect(() => planMigrations([edited], [applied(a)])).toThrow(/20250101000000_a was modified/);
  });

  it('refuses to go on after an unfinished migration', () => {
    expect(() => planMigrations([a, b], [applied(a, { finishedAt: null })])).toThrow(
      expect.objectContaining({ code: 'MIGRATION_INCOMPLETE' }),
    );
  });

  it('reports applied migrations that have no directory here', () => {
    expect(planMigrations([a], [applied(a), applied(b)])).toEqual({ pending: [], unknownApplied: [b.name] });
  });
});
