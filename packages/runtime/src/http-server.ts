import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  HTTP_HEADERS_TIMEOUT_MS,
  HTTP_MAX_CONNECTIONS,
  HTTP_REQUEST_TIMEOUT_MS,
} from './config/variables.js';

/** Limits every identity-relay HTTP listener applies, so a slow or greedy client cannot hold it. */
export interface HttpLimits {
  /** (default=10000) Time a client has to send the request line and headers, in milliseconds. */
  headersTimeoutMs: number;
  /** (default=30000) Time a client has to send the whole request, body included, in milliseconds. */
  requestTimeoutMs: number;
  /** (default=65000) Idle time before a keep-alive connection is closed (above common load balancers' 60 s). */
  keepAliveTimeoutMs: number;
  /** (default=1000) Open connections at most; further ones are closed at once. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  headersTimeoutMs: HTTP_HEADERS_TIMEOUT_MS.default,
  requestTimeoutMs: HTTP_REQUEST_TIMEOUT_MS.default,
  keepAliveTimeoutMs: 65_000,
  maxConnections: HTTP_MAX_CONNECTIONS.default,
});

/** The limits from a loaded configuration (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS, HTTP_MAX_CONNECTIONS). */
export function httpLimitsOf(config: {
  httpHeadersTimeoutMs: number;
  httpRequestTimeoutMs: number;
  httpMaxConnections: number;
}): HttpLimits {
  return {
    ...DEFAULT_HTTP_LIMITS,
    headersTimeoutMs: config.httpHeadersTimeoutMs,
    // Node refuses a request timeout below the headers timeout.
    requestTimeoutMs: Math.max(config.httpRequestTimeoutMs, config.httpHeadersTimeoutMs),
    maxConnections: config.httpMaxConnections,
  };
}

/**
 * A node:http server with the limits applied (Express apps are request listeners: `createHttpServer(app)`).
 * The timeouts are checked every second rather than Node's default 30 s, so a trickling client is cut off
 * close to the limit.
 */
export function createHttpServer(listener: RequestListener, limits: Partial<HttpLimits> = {}): Server {
  const l = { ...DEFAULT_HTTP_LIMITS, ...limits };
  const server = createServer(
    {
      headersTimeout: l.headersTimeoutMs,
      requestTimeout: Math.max(l.requestTimeoutMs, l.headersTimeoutMs),
      keepAliveTimeout: l.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, l.headersTimeoutMs),
    },
    listener,
  );
  server.maxConnections = l.maxConnections;
  return server;
}

/**
 * A listener could not bind. Fatal at start: the message names the address, the variable that sets the
 * port and what to do, e.g. `cannot listen on 0.0.0.0:8080 (INGRESS_PORT): the port is in use …`.
 */
export class ListenError extends Error {
  readonly code = 'LISTEN_FAILED';
  constructor(
    readonly port: number,
    readonly variable: string,
    message: string,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'ListenError';
  }
}

function explain(cause: unknown, variable: string): string {
  switch ((cause as { code?: string }).code) {
    case 'EADDRINUSE':
      return `the port is in use by another process; stop it or set ${variable} to a free port`;
    case 'EACCES':
      return `permission denied; use a port above 1023 in ${variable}`;
    case 'EADDRNOTAVAIL':
      return 'the address is not available on this machine; check HOST';
    default:
      return (cause as Error).message ?? String(cause);
  }
}

export interface ListenOptions {
  port: number;
  host: string;
  /** The environment variable that sets `port`, named in the error (INGRESS_PORT, OPS_PORT, HEALTH_PORT). */
  variable: string;
}

/**
 * Starts listening and resolves with the bound port (useful with port 0).
 * @throws ListenError when the port cannot be bound (in use, no permission, bad address).
 */
export function listenHttp(server: Server, opts: ListenOptions): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (cause: Error) => {
      const where = `${opts.host}:${opts.port} (${opts.variable})`;
      reject(
        new ListenError(
          opts.port,
          opts.variable,
          `cannot listen on ${where}: ${explain(cause, opts.variable)}`,
          {
            cause,
          },
        ),
      );
    };
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      resolve({ port: (server.address() as AddressInfo).port });
    });
  });
}

/**
 * For a process entry point: a failed start is logged as one fatal line (no stack for a ListenError, whose
 * message says it all) and the process exits 1.
 */
export function exitOnStartFailure(
  logger: { fatal: (obj: object, msg: string) => void },
  exit: (code: number) => never = process.exit,
): (err: unknown) => never {
  return (err) => {
    if (err instanceof ListenError) logger.fatal({ port: err.port, variable: err.variable }, err.message);
    else logger.fatal({ err }, 'start failed');
    return exit(1);
  };
}

/**
 * Express' `trust proxy` setting from TRUST_PROXY: a hop count, or addresses/CIDRs (`loopback`, `10.0.0.0/8`…);
 * unset trusts no proxy, so `req.ip` is the TCP peer and forwarded headers are ignored.
 */
export function trustProxySetting(value: string | undefined): number | string | false {
  const text = value?.trim() ?? '';
  if (text === '') return false;
  return /^\d+$/.test(text) ? Number(text) : text;
}
