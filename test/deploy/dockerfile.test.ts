/**
 * Dockerfile and the container health probe, checked without a Docker engine: the build's stages and
 * steps are read from the file; the probe script runs for real against local HTTP servers.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCESS_ENV } from '../../infra/process-env.mjs';
import { HEALTH_PORTS } from './config-variables.js';
import { repoPath } from './repo.js';

const run = promisify(execFile);
const dockerfile = readFileSync(repoPath('Dockerfile'), 'utf8');
const stages = dockerfile.split(/^FROM /m).slice(1);
const finalStage = stages.at(-1)!;

describe('Dockerfile', () => {
  it('builds in stages: turbo prune, npm ci with dev dependencies, then a slim runtime', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/turbo@\$\{TURBO_VERSION\}" prune \$\{PRUNE_SCOPE\} --docker/);
    expect(dockerfile).toMatch(/RUN npm ci /);
    const image = /^ARG NODE_IMAGE=node:(\d+)-[a-z]+-slim$/m.exec(dockerfile);
    expect(Number(image?.[1])).toBeGreaterThanOrEqual(20);
    expect(finalStage).toMatch(/^\$\{NODE_IMAGE\} AS runtime/);
  });

  it('pins the turbo it prunes with to the version in package.json', () => {
    const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    const pinned = /^ARG TURBO_VERSION=(.+)$/m.exec(dockerfile)?.[1];
    expect(pkg.devDependencies.turbo?.replace(/^\^/, '')).toBe(pinned);
  });

  it('generates the Prisma client before compiling, and ships the migrations', () => {
    const build = stages.find((s) => s.includes('AS build'))!;
    expect(build.indexOf('node scripts/prisma-generate.mjs')).toBeGreaterThan(build.indexOf('npm ci'));
    expect(build.indexOf('npx turbo run build')).toBeGreaterThan(
      build.indexOf('node scripts/prisma-generate.mjs'),
    );
    expect(build).toMatch(/npm prune --omit=dev/);
    expect(finalStage).toMatch(/COPY --from=build .*\/app\/prisma\/migrations \.\/prisma\/migrations/);
  });

  it('runs as a non-root user with a HEALTHCHECK on /healthz', () => {
    expect(finalStage).toMatch(/^USER node$/m);
    expect(finalStage).toMatch(/^HEALTHCHECK .*\n\s+CMD \["node", "infra\/docker\/healthcheck\.mjs"\]/m);
    expect(finalStage).toMatch(/^ENTRYPOINT \["\/bin\/sh", "\/app\/infra\/docker\/entrypoint\.sh"\]$/m);
    expect(finalStage).not.toMatch(/^CMD /m);
  });

  it('copies only files that exist in the repository', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    for (const source of sources.filter((s) => s !== '.'))
      expect(existsSync(repoPath(source)), source).toBe(true);
  });

  it('keeps dependencies, build output and secrets out of the build context', () => {
    const ignore = readFileSync(repoPath('.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.env', '.git']) expect(ignore).toContain(entry);
  });
});

describe('infra/docker/healthcheck.mjs', () => {
  let status = 200;
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url === '/healthz' ? status : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const probe = async (args: string[], env: Record<string, string> = {}): Promise<number> => {
    try {
      await run(process.execPath, [repoPath('infra/docker/healthcheck.mjs'), ...args], { env: { ...env } });
      return 0;
    } catch (error) {
      return (error as { code: number }).code;
    }
  };

  it('exits 0 on a 2xx and 1 on anything else or no answer', async () => {
    status = 200;
    expect(await probe([`http://127.0.0.1:${port}/healthz`])).toBe(0);
    status = 503;
    expect(await probe([`http://127.0.0.1:${port}/healthz`])).toBe(1);
    expect(await probe(['http://127.0.0.1:1/healthz'])).toBe(1);
  });

  it("finds a worker's port from SERVICE and HEALTH_PORT when given no URL", async () => {
    status = 200;
    expect(await probe([], { SERVICE: 'notifier', HEALTH_PORT: String(port) })).toBe(0);
    expect(await probe([], { SERVICE: 'ingress', INGRESS_PORT: String(port) })).toBe(0);
  });

  it('defaults to the same ports as the runtime config', () => {
    const script = readFileSync(repoPath('infra/docker/healthcheck.mjs'), 'utf8');
    const literal = /const DEFAULT_PORTS = (\{[^}]*\});/.exec(script)?.[1] ?? '{}';
    const ports = JSON.parse(
      literal
        .replace(/([{,]\s*)([a-z]+):/g, '$1"$2":')
        .replace(/'/g, '"')
        .replace(/,\s*\}$/, '}'),
    ) as object;
    expect(ports).toEqual(HEALTH_PORTS);
  });
});

describe('infra/docker/entrypoint.sh', () => {
  // A stand-in for /app: services/<name>/dist/main.js prints the settings it was started with and its arguments.
  const app = mkdtempSync(join(tmpdir(), 'entrypoint-'));
  for (const service of ['ingress', 'notifier']) {
    mkdirSync(join(app, 'services', service, 'dist'), { recursive: true });
    writeFileSync(
      join(app, 'services', service, 'dist', 'main.js'),
      'console.log(JSON.stringify([process.env.NODE_OPTIONS, process.env.MALLOC_ARENA_MAX, process.argv.slice(2)]))',
    );
  }
  afterAll(() => rmSync(app, { recursive: true, force: true }));
  const entrypoint = async (args: string[], env: Record<string, string> = {}): Promise<unknown> => {
    const { stdout } = await run('/bin/sh', [repoPath('infra/docker/entrypoint.sh'), ...args], {
      cwd: app,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return JSON.parse(stdout);
  };
  const ingress = PROCESS_ENV.ingress!;

  it("runs the image's SERVICE with its process settings when given no command", async () => {
    expect(await entrypoint([], { SERVICE: 'ingress' })).toEqual([
      ingress.NODE_OPTIONS,
      ingress.MALLOC_ARENA_MAX,
      [],
    ]);
  });

  it('gives a service command its settings, keeping the arguments and NODE_OPTIONS already set after them', async () => {
    const notifier = PROCESS_ENV.notifier!;
    expect(
      await entrypoint(['node', 'services/notifier/dist/main.js', 'x y'], { NODE_OPTIONS: '--no-warnings' }),
    ).toEqual([`${notifier.NODE_OPTIONS} --no-warnings`, notifier.MALLOC_ARENA_MAX, ['x y']]);
  });

  it('runs any other command as given', async () => {
    expect(await entrypoint(['node', '-p', 'JSON.stringify([process.env.NODE_OPTIONS ?? null])'])).toEqual([
      null,
    ]);
  });
});
