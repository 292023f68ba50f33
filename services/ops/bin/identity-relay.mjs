#!/usr/bin/env node
// `identity-relay` / `npx identity-relay`: runs the CLI from its TypeScript sources through tsx in a
// checkout, or from dist/ (npm run build) where tsx is not installed. Exit code and signals pass through.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

function tsxLoader() {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return undefined;
  }
}

const tsx = existsSync(source) ? tsxLoader() : undefined;
const entry = tsx
  ? ['--conditions=source', '--import', tsx, source]
  : existsSync(built)
    ? [built]
    : undefined;
if (!entry) {
  process.stderr.write(
    'identity-relay: no tsx to run the sources and no build in dist/ (run npm run build)\n',
  );
  process.exit(1);
}
const child = spawn(process.execPath, [...entry, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
