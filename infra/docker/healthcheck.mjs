#!/usr/bin/env node
// Container health probe: exits 0 when GET <url> answers 2xx within 4 s, else 1.
//   node infra/docker/healthcheck.mjs [url]
// Without a URL it probes /healthz of the image's SERVICE on the port that service listens on.
// A probe run by Docker, not a service, so it reads the environment itself; the defaults mirror
// DEFAULT_HEALTH_PORT and INGRESS_PORT/OPS_PORT of packages/runtime (a test keeps them equal).
import { request } from 'node:http';

const DEFAULT_PORTS = {
  ingress: 8080,
  ops: 8081,
  'identity-sync': 8082,
  subscribers: 8083,
  notifier: 8084,
  reconciler: 8085,
};

function defaultUrl(env) {
  const service = env.SERVICE ?? 'ingress';
  const override =
    service === 'ingress' ? env.INGRESS_PORT : service === 'ops' ? env.OPS_PORT : env.HEALTH_PORT;
  const port = override || DEFAULT_PORTS[service] || 8080;
  return `http://127.0.0.1:${port}/healthz`;
}

function probe(url) {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: 4000 }, (res) => {
      res.resume();
      resolve(res.statusCode >= 200 && res.statusCode < 300);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

const url = process.argv[2] ?? defaultUrl(process.env);
const healthy = await probe(url);
if (!healthy) console.error(`unhealthy: ${url}`);
process.exit(healthy ? 0 : 1);
