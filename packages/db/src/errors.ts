/**
 * Errors raised by packages/db. Each carries a stable `code` and the underlying `cause`.
 *
 * - {@link DatabaseUnavailableError} is transient: the server could not be reached or dropped the
 *   connection; the same operation may succeed later (retry with delay).
 * - {@link MigrationError} is fatal for the process: the migration history and the files disagree, or a
 *   migration failed; an operator has to look. Retrying will not help.
 */
export class DbError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The database server could not be reached or the connection was lost. Transient. */
export class DatabaseUnavailableError extends DbError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DB_UNAVAILABLE', message, options);
  }
}

export type MigrationErrorCode =
  'MIGRATION_CHECKSUM_MISMATCH' | 'MIGRATION_FAILED' | 'MIGRATION_INCOMPLETE' | 'MIGRATIONS_DIR_INVALID';

/** The migration history cannot be applied as is. Not transient. */
export class MigrationError extends DbError {
  declare readonly code: MigrationErrorCode;

  constructor(code: MigrationErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
