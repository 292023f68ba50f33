/**
 * `npm start`: builds the services (Turborepo, cached: a no-op when nothing changed), migrates the database,
 * then runs every service's compiled `dist/main.js` — what the Docker image runs — against the local defaults
 * (or your env) as child processes, prints where to look, and stops them all on Ctrl-C.
 * `npm start -- --from-source` skips the build and runs the services from TypeScript through tsx instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeBroker } from '@identity-relay/bus';
import { migrate, redactUrl } from '@identity-relay/db';
import { processEnvOf } from '../infra/process-env.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** `npm start -- --var-dir <path>`: where dev secrets, dev.env and mail go (default: var/ in the checkout). */
const varFlag = process.argv.indexOf('--var-dir');
const varDir =
  varFlag >= 0 && process.argv[varFlag + 1] ? resolve(process.argv[varFlag + 1]!) : join(root, 'var');
/** `npm start -- --from-source`: no build; every service runs from its TypeScript sources through tsx. */
const fromSource = process.argv.includes('--from-source');
const env: Record<string, string | undefined> = { ...process.env };
env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/identity_relay';
env.AMQP_URL ??= 'amqp://guest:guest@127.0.0.1:5672';
env.MAIL_DIR ??= join(varDir, 'mail');

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
  const file = join(varDir, 'dev-secrets.json');
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

/**
 * Workers' health ports. One HEALTH_PORT cannot serve four processes: a set HEALTH_PORT=N gives
 * identity-sync N, subscribers N+1, notifier N+2 and reconciler N+3 (0 stays 0: any free port); unset keeps
 * each worker's default (8082, 8083, 8084, 8085).
 */
const WORKERS = ['identity-sync', 'subscribers', 'notifier', 'reconciler'];
function healthPortOf(service: string): string | undefined {
  const index = WORKERS.indexOf(service);
  if (index < 0 || env.HEALTH_PORT === undefined || env.HEALTH_PORT.trim() === '') return undefined;
  const base = Number(env.HEALTH_PORT);
  if (!Number.isInteger(base) || base < 0 || base + WORKERS.length - 1 > 65535) {
    console.error(
      `HEALTH_PORT=${env.HEALTH_PORT}: must be 0 or a port from 1 to ${65535 - WORKERS.length + 1}`,
    );
    process.exit(1);
  }
  return String(base === 0 ? 0 : base + index);
}
for (const worker of WORKERS) healthPortOf(worker);

if (!fromSource) build();

/** `turbo run build`: compiles what changed since the last build (its cache makes an unchanged tree ~1 s). */
function build(): void {
  console.log('[build] turbo run build (cached; `npm start -- --from-source` skips it)');
  const built = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'turbo', 'bin', 'turbo'), 'run', 'build', '--output-logs=errors-only'],
    { cwd: root, env: { ...env, TURBO_TELEMETRY_DISABLED: '1' }, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (built.status !== 0) {
    console.error(`[build] failed (${built.error?.message ?? built.signal ?? `exit ${built.status}`})`);
    process.exit(1);
  }
}

try {
  const { applied } = await migrate({
    // Behind PgBouncer, DATABASE_DIRECT_URL reaches Postgres itself for creating and migrating.
    databaseUrl: env.DATABASE_DIRECT_URL ?? env.DATABASE_URL,
    log: (m) => console.log(`[migrate] ${m}`),
  });
  console.log(`[migrate] ${applied.length} migration(s) applied`);
} catch (err) {
  console.error(`[migrate] failed: ${(err as Error).message}`);
  console.error(
    `PostgreSQL is not usable at ${redactUrl(env.DATABASE_URL)}. Start it (Debian: ` +
      '`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`; Docker: ' +
      '`docker compose up -d postgres`) or set DATABASE_URL. See README "Requirements".',
  );
  process.exit(1);
}

const brokerProblem = await probeBroker(env.AMQP_URL);
if (brokerProblem !== undefined) {
  console.error(`[broker] RabbitMQ is not reachable at ${redactUrl(env.AMQP_URL)}: ${brokerProblem}`);
  console.error(
    'Start it (Debian: `rabbitmq-server -detached && rabbitmqctl await_startup`; macOS: ' +
      '`brew services start rabbitmq`; Docker: `docker compose up -d rabbitmq`) or set AMQP_URL. ' +
      'See README "Requirements".',
  );
  process.exit(1);
}
console.log('[broker] RabbitMQ answers');

const services = ['ingress', 'identity-sync', 'subscribers', 'notifier', 'reconciler', 'ops'].filter((s) =>
  existsSync(join(root, 'services', s, 'src', 'main.ts')),
);
const children = new Map<string, ChildProcess>();
let stopping = false;

/** How a service runs: `node services/<name>/dist/main.js`, as in production, or its sources through tsx. */
function commandOf(service: string): string[] {
  return fromSource
    ? ['--conditions=source', '--import', 'tsx', join('services', service, 'src', 'main.ts')]
    : [join('services', service, 'dist', 'main.js')];
}

function run(service: string): void {
  const child = spawn(process.execPath, commandOf(service), {
    cwd: root,
    env: {
      ...env,
      // Heap sizes and malloc arenas as in production (the Docker image and the Helm chart set the same).
      ...processEnvOf(service, env),
      ...(healthPortOf(service) === undefined ? {} : { HEALTH_PORT: healthPortOf(service) }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: Ctrl-C reaches the children once, through stopAll, so each shuts down gracefully.
    detached: true,
  });
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

/**
 * var/dev.env: the keys and URLs of this run as `export` lines, so `source var/dev.env` puts them in a shell
 * and the README's curl examples work as pasted. Readable by this user only.
 */
const devEnvFile = join(varDir, 'dev.env');
const exports = { ...secrets, INGRESS_URL: ingress, OPS_URL: ops };
mkdirSync(dirname(devEnvFile), { recursive: true });
writeFileSync(
  devEnvFile,
  '# Written by `npm start`: source it (`source var/dev.env`) to use the examples in the README.\n' +
    Object.entries(exports)
      .map(([name, value]) => `export ${name}='${value}'`)
      .join('\n') +
    '\n',
  { mode: 0o600 },
);

const healthPorts = WORKERS.filter((w) => services.includes(w)).map(
  (w) =>
    `${w} ${healthPortOf(w) ?? { 'identity-sync': 8082, subscribers: 8083, notifier: 8084, reconciler: 8085 }[w]}`,
);
const lines = [
  '',
  'identity-relay is starting:',
  `  services     ${services.join(', ')} (${fromSource ? 'from source through tsx' : 'compiled: node services/<name>/dist/main.js'})`,
  `  ingress      ${ingress}   (POST /kratos/sync-identity, GET /healthz /readyz /metrics)`,
  services.includes('ops') ? `  ops console  ${ops}` : '',
  `  health       ${healthPorts.join(', ')}`,
  services.includes('reconciler')
    ? `  reconcile    ${env.RECONCILE_INTERVAL ? `every ${env.RECONCILE_INTERVAL}` : 'on demand'} (KRATOS_ADMIN_URL / AUTHENTIK_URL; npx identity-relay reconcile kratos --dry-run)`
    : '',
  `  mail folder  ${env.SMTP_URL ? '(sending over SMTP)' : env.MAIL_DIR}`,
  ...Object.entries(secrets).map(([k, v]) => `  ${k.padEnd(24)} ${v}`),
  '',
  'Try it (in another shell):',
  `  source ${varFlag >= 0 ? devEnvFile : 'var/dev.env'}`,
  `  curl -i -X POST "$INGRESS_URL/kratos/sync-identity" -H 'Content-Type: application/json' \\`,
  `    -H "X-Api-Key: $KRATOS_API_KEY" \\`,
  `    -d '{"identity":{"id":"7f1c0a4e-3d2b-4c1a-9e8f-1a2b3c4d5e6f","schema_id":"default","state":"active","traits":{"email":"ada@school.edu","type":"educator"},"updated_at":"2026-01-01T00:00:00Z"}}'`,
  '',
];
console.log(
  lines
    .filter((l) => l !== '')
    .join('\n')
    .replace(/^/, '\n') + '\n',
);
