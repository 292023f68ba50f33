import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keepAliveFetch } from './keep-alive-fetch.js';

// A loopback HTTP server: what keepAliveFetch is for is the socket handling, which a fake cannot show.
let server: Server;
let base: string;
const sockets = new Set<unknown>();

beforeAll(async () => {
  server = createServer((req, res) => {
    sockets.add(req.socket);
    const path = req.url ?? '';
    if (path === '/user/') {
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-seen-auth': req.headers.authorization ?? '',
      });
      res.end(JSON.stringify({ pk: 7, method: req.method }));
    } else if (path === '/gone/') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not found."}');
    } else if (path === '/empty/') {
      res.writeHead(204).end();
    } else if (path === '/slow/') {
      setTimeout(() => res.end('{}'), 2_000).unref();
    } else if (path === '/stalls-mid-body/') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"pk":');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('keepAliveFetch', () => {
  test('answers with the status, headers and body, sending the given headers', async () => {
    const res = await keepAliveFetch()(`${base}/user/`, { headers: { authorization: 'Bearer t' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-seen-auth')).toBe('Bearer t');
    expect(await res.json()).toEqual({ pk: 7, method: 'GET' });
  });

  test('a non-2xx answer resolves like fetch (the generated client decides), and 204 has no body', async () => {
    const f = keepAliveFetch();
    const gone = await f(`${base}/gone/`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ detail: 'Not found.' });
    const empty = await f(`${base}/empty/`);
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  test('sequential calls reuse one connection', async () => {
    sockets.clear();
    const f = keepAliveFetch();
    for (let i = 0; i < 5; i++) await (await f(`${base}/user/`)).json();
    expect(sockets.size).toBe(1);
  });

  test('a timeout rejects with the signal reason, while waiting for the answer or in the middle of its body', async () => {
    const f = keepAliveFetch();
    await expect(f(`${base}/slow/`, { signal: AbortSignal.timeout(50) })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    await expect(f(`${base}/stalls-mid-body/`, { signal: AbortSignal.timeout(50) })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });

  test('a refused connection rejects with the socket error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await expect(keepAliveFetch()(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });
});
