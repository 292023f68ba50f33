/**
 * `npm start`: migrates the database, then runs every service against the local defaults (or your env) as
 * child processes, prints where to look, and stops them all on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from '@identity-relay/db';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env: Record<string, string | undefined> = { ...process.env };
env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/identity_relay';
env.AMQP_URL ??= 'amqp://guest:guest@127.0.0.1:5672';
env.MAIL_DIR ??= join(root, 'var', 'mail');

/** Development secrets are generated once and kept in var/ so IdP configuration survives restarts. */
function devSecrets(): Record<string, string> {
  // UNSUBSCRIBE_SECRET: the notifier signs what the ingress verifies, so both get the same one.
  const names = [
    'KRATOS_API_KEY',
    'AUTHENTIK_WEBHOOK_TOKEN',
    'HOOKS_API_KEY',
    'NOTIFY_API_KEY',
    'OPS_TOKEN',
    'UNSUBSCRIBE_SECRET',
  ];
  const file = join(root, 'var', 'dev-secrets.json');
  const stored: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  for (const name of names) stored[name] ??= randomBytes(24).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
  const used: Record<string, string> = {};
  for (const name of names) used[name] = env[name] ?? (env[name] = stored[name]!);
  return used;
}

const production = env.NODE_ENV === 'production';
const secrets = production ? {} : devSecrets();

try {
  const { applied } = await migrate({
    databaseUrl: env.DATABASE_URL,
    log: (m) => console.log(`[migrate] ${m}`),
  });
  console.log(`[migrate] ${applied.length} migration(s) applied`);
} catch (err) {
  console.error(`[migrate] failed: ${(err as Error).message}`);
  console.error('Is PostgreSQL running? See README "Requirements".');
  process.exit(1);
}

const services = ['ingress', 'identity-sync', 'subscribers', 'notifier', 'ops'].filter((s) =>
  existsSync(join(root, 'services', s, 'src', 'main.ts')),
);
const children = new Map<string, ChildProcess>();
let stopping = false;

function run(service: string): void {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', join('services', service, 'src', 'main.ts')],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: Ctrl-C reaches the children once, through stopAll, so each shuts down gracefully.
      detached: true,
    },
  );
  children.set(service, child);
  const label = service.padEnd(13);
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => console.log(`${label}| ${line}`));
  }
  child.on('exit', (code, signal) => {
    children.delete(service);
    if (stopping) return;
    console.error(`${label}| exited (${signal ?? code}); stopping everything`);
    void stopAll(1);
  });
}

async function stopAll(exitCode: number): Promise<void> {
  stopping = true;
  for (const child of children.values()) child.kill('SIGTERM');
  const deadline = Date.now() + 15_000;
  while (children.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const child of children.values()) child.kill('SIGKILL');
  process.exit(exitCode);
}

process.on('exit', () => {
  for (const child of children.values()) child.kill('SIGKILL');
});
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
services.forEach(run);

const ingress = `http://localhost:${env.INGRESS_PORT ?? 8080}`;
const ops = `http://localhost:${env.OPS_PORT ?? 8081}`;
const lines = [
  '',
  'identity-relay is starting:',
  `  services     ${services.join(', ')}`,
  `  ingress      ${ingress}   (POST /kratos/sync-identity, GET /healthz /readyz /metrics)`,
  services.includes('ops') ? `  ops console  ${ops}` : '',
  `  mail folder  ${env.SMTP_URL ? '(sending over SMTP)' : env.MAIL_DIR}`,
  ...Object.entries(secrets).map(([k, v]) => `  ${k.padEnd(24)} ${v}`),
  '',
  'Try it:',
  `  curl -i -X POST ${ingress}/kratos/sync-identity -H 'Content-Type: application/json' \\`,
  `    -H "X-Api-Key: ${secrets.KRATOS_API_KEY ?? '$KRATOS_API_KEY'}" \\`,
  `    -d '{"identity":{"id":"7f1c0a4e-3d2b-4c1a-9e8f-1a2b3c4d5e6f","schema_id":"default","state":"active","traits":{"email":"ada@school.edu","type":"educator"},"updated_at":"2026-01-01T00:00:00Z"}}'`,
  '',
];
console.log(
  lines
    .filter((l) => l !== '')
    .join('\n')
    .replace(/^/, '\n') + '\n',
);
