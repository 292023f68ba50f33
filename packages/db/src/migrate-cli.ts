// Applies pending migrations to DATABASE_DIRECT_URL, or DATABASE_URL when it is unset:
//   tsx --conditions=source packages/db/src/migrate-cli.ts   (or node packages/db/dist/migrate-cli.js)
// An entry point, so it reads the environment itself.
import { redactUrl } from './database-url.js';
import { migrate } from './migrate.js';

const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/identity_relay';

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_DIRECT_URL ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  console.log(`migrating ${redactUrl(databaseUrl)}`);
  const { applied } = await migrate({ databaseUrl, log: (msg) => console.log(msg) });
  console.log(applied.length === 0 ? 'database is up to date' : `applied ${applied.length} migration(s)`);
}

main().catch((err: unknown) => {
  const error = err as { name?: string; code?: string; message?: string; cause?: { message?: string } };
  console.error(
    `migration failed: ${error.name ?? 'Error'} ${error.code ?? ''} ${error.message ?? String(err)}`,
  );
  if (error.cause?.message) console.error(`  cause: ${error.cause.message}`);
  process.exitCode = 1;
});
