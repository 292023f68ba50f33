export { PrismaClient, Prisma } from './generated/prisma/client.js';
export type { Identity, IdentityEvent, ProcessedMessage } from './generated/prisma/client.js';
export { createPrismaClient } from './client.js';
export { resolveDbOptions, type DbOptions, type ResolvedDbOptions } from './db-options.js';
export { ensureDatabase } from './ensure-database.js';
export { migrate, type MigrateOptions } from './migrate.js';
export { defaultMigrationsDir } from './migration-files.js';
export { inboxClaim } from './inbox.js';
export {
  sqlTransaction,
  sqlQuery,
  sqlExecute,
  SqlTransactionTimeoutError,
  type SqlTx,
  type SqlTransactionOptions,
} from './sql.js';
export { canonicalOfRow, identityColumns, type CanonicalColumns, type IdentityRow } from './identity-row.js';
export { DbError, DatabaseUnavailableError, MigrationError, type MigrationErrorCode } from './errors.js';
export { isTransientDbError } from './transient.js';
export { redactUrl } from './database-url.js';
