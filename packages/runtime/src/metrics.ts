import { collectDefaultMetrics, Registry } from 'prom-client';

/** Prefix of every metric identity-relay exports, so dashboards can select them all. */
export const METRIC_PREFIX = 'identity_relay_';

/**
 * A fresh registry (never prom-client's global one, so tests and several services in one process
 * do not collide) with Node.js default metrics and the default label `service`. Services register
 * their own counters on it: `new Counter({ name: 'identity_relay_...', registers: [registry] })`.
 */
export function createMetrics(service: string): { registry: Registry } {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  return { registry };
}
