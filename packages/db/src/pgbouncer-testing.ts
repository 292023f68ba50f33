/**
 * A private PgBouncer (transaction pooling) in front of the test Postgres, for integration tests:
 * `scripts/infra/pgbouncer.sh` on a free port and in a folder of its own. Needs the `pgbouncer`
 * binary (`apt-get install -y pgbouncer`; CI installs it).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '@identity-relay/test-support';

export { freePort };

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../../scripts/infra/pgbouncer.sh', import.meta.url));

export interface PgBouncer {
  port: number;
  pid: number;
  /** `databaseUrl` (on the test Postgres) routed through this PgBouncer instead. */
  through(databaseUrl: string): string;
  /** Stops it (by its pid) and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

/** True when the pgbouncer binary is installed. */
export function hasPgBouncer(): boolean {
  return ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].some((path) => existsSync(path));
}

export async function startPgBouncer(): Promise<PgBouncer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'ir-pgbouncer-'));
  // PGB_OWNER_PID: should this process die before stop(), the script's watcher stops PgBouncer.
  const env = { ...process.env, PGB_PORT: String(port), PGB_DIR: dir, PGB_OWNER_PID: String(process.pid) };
  await run('bash', [SCRIPT, 'start'], { env, timeout: 30_000 });
  const pid = Number((await readFile(join(dir, 'pgbouncer.pid'), 'utf8')).trim());
  let stopped = false;
  return {
    port,
    pid,
    through: (databaseUrl) => {
      const url = new URL(databaseUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await run('bash', [SCRIPT, 'stop'], { env, timeout: 30_000 }).catch(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      });
    },
  };
}
