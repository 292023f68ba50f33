import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, url: URL, res: ServerResponse) => void;

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 and a free port (0), closed with every keep-alive connection. */
export async function listen(handler: Handler): Promise<RunningServer> {
  // Go's net/http (Kratos) reads up to 1 MB of request line and headers, node only 16 KB by default: a long `ids` list
  // must reach the handler as it would reach Kratos.
  const server: Server = createServer({ maxHeaderSize: 1024 * 1024 }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://standin.local');
    try {
      handler(req, url, res);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err) }));
    }
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    .end(JSON.stringify(body));
}
