/**
 * Dockerfile and the container health probe, checked without a Docker engine: the build's stages and
 * steps are read from the file; the probe script runs for real against local HTTP servers.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    expect(finalStage).toMatch(/^CMD exec node "services\/\$\{SERVICE\}\/dist\/main\.js"$/m);
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
