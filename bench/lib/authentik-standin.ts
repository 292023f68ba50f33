import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const STANDIN_TOKEN = 'bench-authentik-api-token';

/** A local stand-in for Authentik's `GET /api/v3/core/users/{pk}/`, answering every user after `delayMs`. */
export interface AuthentikStandIn {
  url: string;
  requests(): number;
  close(): Promise<void>;
}

function user(pk: number): string {
  return JSON.stringify({
    pk,
    username: `user${pk}`,
    name: 'Jane Doe',
    is_active: true,
    last_login: null,
    date_joined: '2026-05-01T10:00:00.000000Z',
    is_superuser: false,
    groups: ['6a3b1f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b'],
    email: `user${pk}@school.edu`,
    avatar: 'https://secure.gravatar.com/avatar/x',
    attributes: { user_type: 'educator' },
    uid: 'c0ffee',
    path: 'users',
    type: 'internal',
    uuid: '4b2f9c1e-7d3a-4e8b-9f0c-1a2b3c4d5e6f',
  });
}

export async function startAuthentikStandIn(delayMs: number): Promise<AuthentikStandIn> {
  let served = 0;
  const server: Server = createServer((req, res) => {
    const match = /^\/api\/v3\/core\/users\/(\d+)\/$/.exec(req.url ?? '');
    if (!match || req.headers.authorization !== `Bearer ${STANDIN_TOKEN}`) {
      res.writeHead(404).end();
      return;
    }
    setTimeout(() => {
      served++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(user(Number(match[1])));
    }, delayMs);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => served,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
