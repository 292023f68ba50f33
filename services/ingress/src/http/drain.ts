import type { Server } from 'node:http';

/**
 * Graceful stop of the HTTP server: no new connections, every request already received is answered,
 * and then the server is closed. `server.close()` alone never finishes while clients keep their
 * keep-alive connections busy (an IdP sending steadily does), so from now on each response carries
 * `Connection: close` and its socket ends after it. Resolves once every connection is gone; the
 * caller's shutdown grace bounds the wait.
 */
export function drainHttpServer(server: Server): Promise<void> {
  // Before the app's own listener, so even responses sent synchronously carry it.
  server.prependListener('request', (_req, res) => {
    res.shouldKeepAlive = false;
  });
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Connections idle right now would otherwise wait for their next request (or the keep-alive timeout).
  server.closeIdleConnections();
  return closed;
}
