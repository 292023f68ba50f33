import autocannon, { type RequestSpec } from 'autocannon';

export interface LoadOptions {
  url: string;
  /** (default=50) Concurrent keep-alive connections. */
  connections?: number;
  /** Seconds of load. */
  durationSeconds: number;
  /** Requests per second over all connections; unset = as fast as the server answers (closed loop). */
  rate?: number;
  headers?: Record<string, string>;
  /** Fixed body, or a function called before each request (unique ids, send-time bookkeeping). */
  body: string | (() => string);
}

export interface LoadResult {
  requests: number;
  /** Mean successful requests per second over the run. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

/** HTTP POST load with autocannon, run in this process (same load generator for the service and its baselines). */
export async function postLoad(opts: LoadOptions): Promise<LoadResult> {
  const headers = { 'content-type': 'application/json', ...opts.headers };
  const makeBody = opts.body;
  const request: RequestSpec =
    typeof makeBody === 'string'
      ? { method: 'POST', body: makeBody, headers }
      : { method: 'POST', headers, setupRequest: (req) => ({ ...req, body: makeBody() }) };
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections ?? 50,
    duration: opts.durationSeconds,
    timeout: 10,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
    requests: [request],
  });
  const ok = result['2xx'];
  return {
    requests: ok,
    rps: ok / (result.duration || opts.durationSeconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}
