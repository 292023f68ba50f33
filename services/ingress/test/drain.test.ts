// Real: a node:http server on a free port and fetch clients with keep-alive connections. Nothing faked.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from 'vitest';
import { drainHttpServer } from '../src/http/drain.js';

test('drain answers every request in flight and finishes although keep-alive clients keep sending', async () => {
  // Each answer takes 20 ms, as a confirmed publish does.
  let received = 0;
  const server = createServer((_req, res) => {
    received++;
    setTimeout(() => res.end('ok'), 20);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const statuses: number[] = [];
  let stop = false;
  const client = async () => {
    while (!stop) {
      try {
        const res = await fetch(url);
        await res.text();
        statuses.push(res.status);
      } catch {
        // the server no longer accepts connections: what a sender sees, and retries
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };
  const clients = Array.from({ length: 4 }, client);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const before = statuses.length;

  const started = Date.now();
  await drainHttpServer(server);
  const took = Date.now() - started;
  stop = true;
  await Promise.all(clients);

  expect(took).toBeLessThan(1_000);
  expect(before).toBeGreaterThan(0);
  expect(statuses.every((s) => s === 200)).toBe(true);
  // Every request the server took was answered: none was cut off mid-flight.
  expect(statuses.length).toBe(received);
  // Once drained, the server takes no new connection: a sender sees a refusal (and retries elsewhere).
  await expect(fetch(url)).rejects.toThrow();
  expect(received).toBe(statuses.length);
});
