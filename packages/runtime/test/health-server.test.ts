// Real HTTP against a health server on an ephemeral port; no broker or database involved.
import { Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, startHealthServer } from '../src/index.js';

describe('health server over HTTP', () => {
  let brokerUp = true;
  let server: Awaited<ReturnType<typeof startHealthServer>>;
  let base: string;

  beforeAll(async () => {
    const { registry } = createMetrics('health-test');
    new Counter({ name: 'identity_relay_test_events_total', help: 'events', registers: [registry] }).inc(3);
    server = await startHealthServer({
      registry,
      checks: { broker: () => brokerUp, database: async () => true },
      port: 0,
      host: '127.0.0.1',
    });
    base = `http://127.0.0.1:${server.port}`;
  });

  afterAll(async () => {
    await server.close();
  });

  it('binds a real port when asked for port 0', () => {
    expect(server.port).toBeGreaterThan(0);
  });

  it('answers /healthz with 200 ok', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 when every check passes and 503 naming the failed one', async () => {
    brokerUp = true;
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { broker: 'ok', database: 'ok' } });

    brokerUp = false;
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({
      status: 'not ready',
      checks: { broker: 'failed', database: 'ok' },
      failed: ['broker'],
    });
    brokerUp = true;
  });

  it('serves Prometheus text with default metrics, the service label and custom counters', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/identity_relay_process_cpu_user_seconds_total\{service="health-test"\} /);
    expect(text).toContain('identity_relay_test_events_total{service="health-test"} 3');
  });

  it('answers unknown paths with 404 and other methods with 405', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/`)).status).toBe(404);
    const post = await fetch(`${base}/healthz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('ignores query strings and answers HEAD without a body', async () => {
    expect((await fetch(`${base}/healthz?probe=1`)).status).toBe(200);
    const head = await fetch(`${base}/readyz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('refuses to start on a port already in use', async () => {
    const { registry } = createMetrics('second');
    await expect(
      startHealthServer({ registry, checks: {}, port: server.port, host: '127.0.0.1' }),
    ).rejects.toMatchObject({
      code: 'LISTEN_FAILED',
      variable: 'HEALTH_PORT',
      message: `cannot listen on 127.0.0.1:${server.port} (HEALTH_PORT): the port is in use by another process; stop it or set HEALTH_PORT to a free port`,
    });
  });
});

describe('METRICS_TOKEN', () => {
  it('/metrics answers 401 without the bearer token and the registry with it; /healthz stays open', async () => {
    const { registry } = createMetrics('health-token-test');
    const token = 'metrics-token-4f8a2c6e9b1d3057';
    const server = await startHealthServer({
      registry,
      checks: {},
      port: 0,
      host: '127.0.0.1',
      metricsToken: token,
    });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
        401,
      );
      const ok = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('identity_relay_');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
