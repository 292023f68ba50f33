#!/usr/bin/env node
// Generates the Prisma client (prisma/schema.prisma → packages/db/src/generated/prisma).
// Run by the root `postinstall` and by `npm run generate -w @identity-relay/db`.
//
// `prisma generate` does not run the schema engine, but the CLI insists on having one on disk and
// otherwise tries to download it, which fails offline. Pointing PRISMA_SCHEMA_ENGINE_BINARY at any
// existing file satisfies that check, so a fresh clone generates without network access.
// Exit codes: 0 generated (or prisma not installed yet: nothing to do); otherwise prisma's own.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = dirname(dirname(self));
const require = createRequire(join(root, 'package.json'));

function findPrismaCli() {
  try {
    return join(dirname(require.resolve('prisma/package.json')), 'build', 'index.js');
  } catch {
    return null;
  }
}

const cli = findPrismaCli();
if (cli === null) {
  // e.g. `npm install --omit=dev`, or a partial install still in progress.
  console.log('prisma-generate: the prisma CLI is not installed; skipping client generation.');
  console.log('prisma-generate: run `npm run generate -w @identity-relay/db` once it is installed.');
  process.exit(0);
}

const env = {
  ...process.env,
  // This file exists and is not an engine: if something ever tried to run it, it fails loudly.
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? self,
  // No update check or telemetry request (offline builds would wait on them).
  CHECKPOINT_DISABLE: process.env.CHECKPOINT_DISABLE ?? '1',
  PRISMA_HIDE_UPDATE_MESSAGE: process.env.PRISMA_HIDE_UPDATE_MESSAGE ?? '1',
};

const result = spawnSync(process.execPath, [cli, 'generate'], { cwd: root, env, stdio: 'inherit' });
if (result.error) {
  console.error(`prisma-generate: could not run prisma: ${result.error.message}`);
  process.exit(1);
}
if (result.status !== 0) {
  console.error(
    `prisma-generate: prisma generate failed (exit ${result.status ?? result.signal}); the client is missing or stale.`,
  );
  process.exit(result.status ?? 1);
}
