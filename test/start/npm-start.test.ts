// `npm start` for real: migrates a fresh database, checks a real broker vhost, runs every service as a child
// process with every port moved, and writes var/dev.env so the README's curl works when pasted.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestVhost, type TestVhost } from '@identity-relay/bus/testing';
import { dropDatabase, uniqueTestDatabaseUrl } from '@identity-relay/db/testing';
import { repoPath } from '../deploy/repo.js';

const run = promisify(execFile);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Five free ports, the last three consecutive (HEALTH_PORT=N gives the workers N, N+1, N+2). */
async function movedPorts(): Promise<{ ingress: number; ops: number; health: number }> {
  for (;;) {
    const health = await freePort();
    const taken = await Promise.all(
      [health + 1, health + 2].map(
        (port) =>
          new Promise<boolean>((resolve) => {
            const probe = createServer();
            probe.once('error', () => resolve(true));
            probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
          }),
      ),
    );
    if (!taken.includes(true) && health + 2 <= 65535)
      return { ingress: await freePort(), ops: await freePort(), health };
  }
}

function startNpm(
  env: Record<string, string>,
  varDir: string,
): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', repoPath('scripts/start.ts'), '--var-dir', varDir],
    { cwd: repoPath('.'), env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: 'pipe' },
  );
  child.stdout!.on('data', (chunk) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk) => (output += chunk.toString()));
  return { child, output: () => output };
}

/** The command lines of `pid`'s child processes, from /proc. */
function childCommands(pid: number): string[] {
  const commands: string[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (/^PPid:\s+(\d+)$/m.exec(status)?.[1] !== String(pid)) continue;
      commands.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim());
    } catch {
      // exited meanwhile
    }
  }
  return commands;
}

async function healthy(url: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} never answered 200`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

let vhost: TestVhost | undefined;
const databases: string[] = [];
afterAll(async () => {
  await vhost?.dispose();
  for (const url of databases) await dropDatabase(url);
});

describe('npm start', () => {
  it('runs every service with INGRESS_PORT, OPS_PORT and HEALTH_PORT moved, each worker on its own health port, and the pasted curl works', async () => {
    vhost = await createTestVhost();
    const databaseUrl = uniqueTestDatabaseUrl('ir_start');
    databases.push(databaseUrl);
    const ports = await movedPorts();
    const varDir = mkdtempSync(join(tmpdir(), 'ir-start-'));
    const { child, output } = startNpm(
      {
        AMQP_URL: vhost.url,
        DATABASE_URL: databaseUrl,
        INGRESS_PORT: String(ports.ingress),
        OPS_PORT: String(ports.ops),
        HEALTH_PORT: String(ports.health),
        HOST: '127.0.0.1',
      },
      varDir,
    );
    try {
      const deadline = Date.now() + 150_000;
      const urls = [
        `http://127.0.0.1:${ports.ingress}/healthz`,
        `http://127.0.0.1:${ports.ops}/healthz`,
        ...[0, 1, 2].map((i) => `http://127.0.0.1:${ports.health + i}/healthz`),
      ];
      for (const url of urls) await healthy(url, deadline);
      expect(child.exitCode, output()).toBeNull();
      expect(output()).toContain(
        `identity-sync ${ports.health}, subscribers ${ports.health + 1}, notifier ${ports.health + 2}`,
      );
      // What production runs: each service's compiled dist/main.js, not its TypeScript through tsx.
      const commands = childCommands(child.pid!);
      for (const service of ['ingress', 'identity-sync', 'subscribers', 'notifier', 'ops'])
        expect(commands, output()).toContainEqual(
          expect.stringMatching(new RegExp(`^\\S+ services/${service}/dist/main\\.js$`)),
        );
      expect(commands.join('\n')).not.toContain('tsx');
      expect(output()).toContain('compiled: node services/<name>/dist/main.js');

      const devEnv = join(varDir, 'dev.env');
      expect(statSync(devEnv).mode & 0o777).toBe(0o600);
      expect(readFileSync(devEnv, 'utf8')).toContain(
        `export INGRESS_URL='http://localhost:${ports.ingress}'`,
      );
      // The banner's example, pasted into a shell after `source`.
      const lines = output().split('\n');
      const start = lines.findIndex((l) => l.trim().startsWith('source '));
      const pasted = lines
        .slice(start, start + 4)
        .map((l) => l.trim())
        .join('\n')
        .replace(/^curl -i /m, 'curl -s -o /dev/null -w "%{http_code}" ');
      const { stdout } = await run('bash', ['-c', pasted]);
      expect(stdout).toBe('200');
    } finally {
      child.kill('SIGINT');
      await exited(child);
    }
  }, 240_000);

  it('refuses to start when the broker does not answer, saying how to start it', async () => {
    const databaseUrl = uniqueTestDatabaseUrl('ir_start');
    databases.push(databaseUrl);
    const deadPort = await freePort();
    const { child, output } = startNpm(
      { AMQP_URL: `amqp://guest:guest@127.0.0.1:${deadPort}`, DATABASE_URL: databaseUrl },
      mkdtempSync(join(tmpdir(), 'ir-start-')),
    );
    expect(await exited(child)).toBe(1);
    expect(output()).toContain(`RabbitMQ is not reachable at amqp://guest:***@127.0.0.1:${deadPort}`);
    expect(output()).toContain('rabbitmq-server -detached');
    expect(output()).not.toContain('identity-relay is starting');
  }, 120_000);
});
