import { Counter, Gauge, type Registry } from 'prom-client';

/** Name of the drift counter, for alert rules: `identity_relay_reconcile_drift_total{provider,kind}`. */
export const DRIFT_METRIC = 'identity_relay_reconcile_drift_total';

export interface ReconcileMetrics {
  /** Drifted identities found, by provider and kind (create, update, delete); dry runs count too. */
  drift: Counter<'provider' | 'kind'>;
  /** Finished runs by provider and outcome (succeeded, refused, failed). */
  runs: Counter<'provider' | 'outcome'>;
  /** Unix time of the provider's last run that succeeded (0 = none yet in this process). */
  lastSuccess: Gauge<'provider'>;
}

/** Registers the reconciliation metrics once per registry (the reconciler's, or ops' for runs it starts). */
export function createReconcileMetrics(registry: Registry): ReconcileMetrics {
  const existing = registry.getSingleMetric(DRIFT_METRIC);
  if (existing) return metricsByRegistry.get(registry)!;
  const metrics: ReconcileMetrics = {
    drift: new Counter({
      name: DRIFT_METRIC,
      help: 'Identities found differing from the IdP by reconciliation, by provider and kind (create, update, delete)',
      labelNames: ['provider', 'kind'],
      registers: [registry],
    }),
    runs: new Counter({
      name: 'identity_relay_reconcile_runs_total',
      help: 'Finished reconciliation runs by provider and outcome (succeeded, refused, failed)',
      labelNames: ['provider', 'outcome'],
      registers: [registry],
    }),
    lastSuccess: new Gauge({
      name: 'identity_relay_reconcile_last_success_timestamp_seconds',
      help: 'Unix time at which the last successful reconciliation run of the provider finished',
      labelNames: ['provider'],
      registers: [registry],
    }),
  };
  metricsByRegistry.set(registry, metrics);
  return metrics;
}

const metricsByRegistry = new WeakMap<Registry, ReconcileMetrics>();
