// A worker started while RabbitMQ is down: it stays up, /readyz says 503 naming the broker, it never claims to
// consume, and its log holds one short line per connection attempt (no stack) until the broker appears — then it
// connects by itself and /readyz turns 200. Real: the subscribers worker's main in its own process, PostgreSQL
// (own database) and RabbitMQ (own vhost), reached through a port that refuses connections until the test starts
// forwarding it to the broker.
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestVhost, type TestVhost } from '@identity-relay/bus/testing';
import { createTestDatabase, type TestDatabase } from '@identity-relay/db/testing';
import { freePort } from '@identity-relay/test-support';
import { repoPath } from '../deploy/repo.js';

let vhost: TestVhost | undefined;
let db: TestDatabase | undefined;
let child: ChildProcess | undefined;
let forwarder: Server | undefined;
const sockets = new Set<Socket>();

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child!.once('exit', resolve));
  }
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => (forwarder ? forwarder.close(resolve) : resolve(undefined)));
  await vhost?.dispose();
  await db?.drop();
});

/** The broker "comes up" on `port`: every connection is forwarded to the local RabbitMQ. */
async function forwardToBroker(port: number): Promise<Server> {
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: 5672 });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    value = await probe();
  }
  return value;
}

interface LogLine {
  msg?: string;
  attempt?: number;
  code?: string;
  err?: unknown;
  [key: string]: unknown;
}

describe('a worker started while the broker is unreachable', () => {
  it('is not ready, logs one line per attempt without a stack, and becomes ready once the broker is there', async () => {
    vhost = await createTestVhost();
    db = await createTestDatabase();
    // Nobody listens there yet: connecting is refused, as to a broker that is not running.
    const brokerPort = await freePort();
    const healthPort = await freePort();
    const vhostPath = new URL(vhost.url).pathname;
    let output = '';
    child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', repoPath('services/subscribers/src/main.ts')],
      {
        cwd: repoPath('.'),
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: 'development',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
          HEALTH_PORT: String(healthPort),
          DATABASE_URL: db.url,
          AMQP_URL: `amqp://guest:guest@127.0.0.1:${brokerPort}${vhostPath}`,
        },
        stdio: 'pipe',
      },
    );
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const lines = (): LogLine[] =>
      output
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as LogLine);
    const readyz = async (): Promise<{ status: number; body: Record<string, unknown> } | null> => {
      try {
        const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      } catch {
        return null; // not listening yet
      }
    };

    // Started (migrated, health served) and retrying the broker a few times.
    await until(
      async () => lines().filter((l) => l.msg === 'could not connect to the broker').length,
      (n) => n >= 3,
    );
    const notReady = await readyz();
    expect(notReady?.status, output).toBe(503);
    expect(notReady?.body).toMatchObject({ status: 'not ready', failed: expect.arrayContaining(['broker']) });
    expect(child.exitCode).toBeNull();

    const attempts = lines().filter((l) => l.msg === 'could not connect to the broker');
    attempts.forEach((line, i) => {
      expect(line).toMatchObject({ attempt: i + 1, code: 'ECONNREFUSED' });
      expect(line).not.toHaveProperty('err');
    });
    expect(output).not.toMatch(/^\s+at /m); // no stack anywhere
    expect(lines().some((l) => l.msg === 'subscribers consuming')).toBe(false);
    expect(lines().map((l) => l.msg)).toContain(
      'subscribers started but the broker is not reachable yet; it consumes once connected (readiness false until then)',
    );

    // The broker appears: the worker connects on its own next attempt and is ready.
    forwarder = await forwardToBroker(brokerPort);
    const ready = await until(readyz, (r) => r?.status === 200);
    expect(ready?.status, output).toBe(200);
    // The log line may reach this process' pipe a moment after /readyz turned 200.
    const logged = await until(
      async () => lines().some((l) => l.msg === 'connected to the broker'),
      (seen) => seen,
      10_000,
    );
    expect(logged, output).toBe(true);
  }, 90_000);
});
