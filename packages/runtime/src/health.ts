import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { createHttpServer, listenHttp, type HttpLimits } from './http-server.js';
import { evaluateReadiness, READINESS_CHECK_TIMEOUT_MS, type ReadinessCheck } from './readiness.js';

export interface HealthDeps {
  registry: Registry;
  /** Readiness checks by name, e.g. `{ broker: () => bus.isConnected(), database: () => db.ping() }`. */
  checks: Record<string, ReadinessCheck>;
  /** (default=2000) Time one check may take before it counts as failed, in milliseconds. */
  checkTimeoutMs?: number;
  /** METRICS_TOKEN: when set, `/metrics` answers only `Authorization: Bearer <token>` (401 otherwise). */
  metricsToken?: string;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Whether the request carries `Authorization: Bearer <token>` (compared in constant time). */
function bearerMatches(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  return timingSafeEqual(digest(header.slice(7).trim()), digest(token));
}

/** A node:http request handler; Express accepts it as a route handler too. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  // Probes must see the live state, never a cached one.
  res.setHeader('Cache-Control', 'no-store');
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  send(req, res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

/**
 * `/healthz`: 200 while the process can answer at all (liveness; no dependency is checked, so a
 * broker outage does not get the pod restarted). `/readyz`: 200 when every check passes, else 503
 * naming the failed ones. `/metrics`: the registry in Prometheus text format.
 */
export function createHealthHandlers(deps: HealthDeps): {
  healthz: Handler;
  readyz: Handler;
  metrics: Handler;
} {
  const timeoutMs = deps.checkTimeoutMs ?? READINESS_CHECK_TIMEOUT_MS;
  return {
    async healthz(req, res) {
      sendJson(req, res, 200, { status: 'ok' });
    },
    async readyz(req, res) {
      const readiness = await evaluateReadiness(deps.checks, timeoutMs);
      if (readiness.ready) sendJson(req, res, 200, { status: 'ready', checks: readiness.checks });
      else
        sendJson(req, res, 503, { status: 'not ready', checks: readiness.checks, failed: readiness.failed });
    },
    async metrics(req, res) {
      if (deps.metricsToken !== undefined && !bearerMatches(req, deps.metricsToken)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        return sendJson(req, res, 401, { error: 'metrics need Authorization: Bearer <METRICS_TOKEN>' });
      }
      try {
        send(req, res, 200, deps.registry.contentType, await deps.registry.metrics());
      } catch {
        sendJson(req, res, 500, { error: 'metrics collection failed' });
      }
    },
  };
}

/** Routes /healthz, /readyz and /metrics (GET/HEAD); 405 for other methods, 404 for other paths. */
export function createHealthRouter(deps: HealthDeps): Handler {
  const handlers = createHealthHandlers(deps);
  const routes: Record<string, Handler> = {
    '/healthz': handlers.healthz,
    '/readyz': handlers.readyz,
    '/metrics': handlers.metrics,
  };
  return async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const handler = routes[path];
    if (!handler) return sendJson(req, res, 404, { error: 'not found' });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendJson(req, res, 405, { error: 'method not allowed' });
    }
    await handler(req, res);
  };
}

/**
 * Serves the health endpoints on their own port (workers) with the shared HTTP limits. Port 0 picks a free
 * port; the actual one is returned. `close()` stops listening and drops open keep-alive connections.
 * @throws ListenError naming the port and `variable` (default HEALTH_PORT) when the port cannot be bound.
 */
export async function startHealthServer(
  deps: HealthDeps & { port: number; host?: string; variable?: string; limits?: Partial<HttpLimits> },
): Promise<{ port: number; close(): Promise<void> }> {
  const router = createHealthRouter(deps);
  const server = createHttpServer((req, res) => void router(req, res), deps.limits);
  const { port } = await listenHttp(server, {
    port: deps.port,
    host: deps.host ?? '0.0.0.0',
    variable: deps.variable ?? 'HEALTH_PORT',
  });
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  return { port, close };
}
