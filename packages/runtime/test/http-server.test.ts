// Real sockets against createHttpServer/listenHttp: the limits every identity-relay listener applies.
import { connect, type Socket } from 'node:net';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, listenHttp, ListenError } from '../src/index.js';

const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function track<T extends Server>(server: T): T {
  servers.push(server);
  return server;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
    sockets.push(socket);
  });
}

/** Resolves with what the server sent once it closed the connection. */
function closedBy(socket: Socket): Promise<string> {
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString()));
  return new Promise((resolve) => socket.on('close', () => resolve(received)));
}

describe('listenHttp', () => {
  it('rejects a taken port with a ListenError naming the address and the variable', async () => {
    const holder = track(createServer());
    const { port } = await listenHttp(holder, { port: 0, host: '127.0.0.1', variable: 'INGRESS_PORT' });
    const second = track(createHttpServer((_req, res) => res.end()));
    const attempt = listenHttp(second, { port, host: '127.0.0.1', variable: 'INGRESS_PORT' });
    await expect(attempt).rejects.toBeInstanceOf(ListenError);
    await expect(attempt).rejects.toThrow(
      `cannot listen on 127.0.0.1:${port} (INGRESS_PORT): the port is in use by another process; stop it or set INGRESS_PORT to a free port`,
    );
  });

  it('resolves with the bound port when given 0', async () => {
    const server = track(createHttpServer((_req, res) => res.end('ok')));
    const { port } = await listenHttp(server, { port: 0, host: '127.0.0.1', variable: 'OPS_PORT' });
    expect(port).toBeGreaterThan(0);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
  });
});

describe('createHttpServer limits', () => {
  it('cuts off a client that trickles its body past the request timeout (408, connection closed)', async () => {
    const server = track(
      createHttpServer(
        (req, res) => {
          req.resume();
          req.on('end', () => res.end('read it all'));
        },
        { headersTimeoutMs: 1000, requestTimeoutMs: 1500 },
      ),
    );
    const { port } = await listenHttp(server, { port: 0, host: '127.0.0.1', variable: 'TEST_PORT' });
    const socket = await open(port);
    const closed = closedBy(socket);
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n');
    const trickle = setInterval(() => socket.writable && socket.write('x'), 200);
    try {
      expect(await closed).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      clearInterval(trickle);
    }
  });

  it('cuts off a client that never finishes its headers', async () => {
    const server = track(createHttpServer((_req, res) => res.end(), { headersTimeoutMs: 1000 }));
    const { port } = await listenHttp(server, { port: 0, host: '127.0.0.1', variable: 'TEST_PORT' });
    const socket = await open(port);
    const closed = closedBy(socket);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    expect(await closed).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes connections beyond maxConnections at once', async () => {
    const server = track(createHttpServer((_req, res) => res.end(), { maxConnections: 2 }));
    const { port } = await listenHttp(server, { port: 0, host: '127.0.0.1', variable: 'TEST_PORT' });
    await open(port);
    await open(port);
    // The server has accepted the first two before the third arrives.
    await until(async () => (await connections(server)) === 2);
    const third = await open(port);
    expect(await closedBy(third)).toBe('');
    expect(server.listening).toBe(true);
  });
});

function connections(server: Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );
}

async function until(ok: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
