// A taken port stops a service at once: exit code 1 and one line naming the address and the variable.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestVhost, type TestVhost } from '@identity-relay/bus/testing';
import { repoPath } from '../deploy/repo.js';

let holder: Server;
let vhost: TestVhost | undefined;
afterAll(async () => {
  await new Promise((resolve) => holder?.close(resolve));
  await vhost?.dispose();
});

async function holdPort(): Promise<number> {
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  return (holder.address() as { port: number }).port;
}

function runMain(
  main: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', repoPath(main)], {
      cwd: repoPath('.'),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        ...env,
      },
      stdio: 'pipe',
    });
    child.stdout.on('data', (chunk) => (output += chunk.toString()));
    child.stderr.on('data', (chunk) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('a port already in use', () => {
  it('stops the ingress with exit 1, naming the port and INGRESS_PORT, and never claims to listen', async () => {
    const port = await holdPort();
    vhost = await createTestVhost();
    const { code, output } = await runMain('services/ingress/src/main.ts', {
      INGRESS_PORT: String(port),
      AMQP_URL: vhost.url,
    });
    expect(code).toBe(1);
    expect(output).toContain(`cannot listen on 127.0.0.1:${port} (INGRESS_PORT): the port is in use`);
    expect(output).not.toContain('ingress listening');
  }, 60_000);

  it('stops a worker with exit 1 naming HEALTH_PORT, before it touches the broker or the database', async () => {
    const port = (holder.address() as { port: number }).port;
    const { code, output } = await runMain('services/notifier/src/main.ts', {
      HEALTH_PORT: String(port),
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:1',
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none',
    });
    expect(code).toBe(1);
    expect(output).toContain(`cannot listen on 127.0.0.1:${port} (HEALTH_PORT): the port is in use`);
    expect(output).not.toContain('consuming');
  }, 60_000);
});
