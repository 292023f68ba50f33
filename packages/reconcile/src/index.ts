export { createAuthentikCoreApi, type AuthentikApiOptions } from './authentik-api.js';
export { classify, type StoredState, type Verdict } from './classify.js';
export { reconcile, type ReconcileDeps, type ReconcileOptions, type ReconcileProgress } from './engine.js';
export {
  IdpUnauthorizedError,
  IdpUnavailableError,
  LeaseLostError,
  ProviderNotConfiguredError,
  ReconcileBusyError,
  ReconcileError,
} from './errors.js';
export { IdentityReader } from './identity-reader.js';
export { parseInterval } from './interval.js';
export { REPAIR_NAMESPACE, repairMessageId } from './message-id.js';
export { createReconcileMetrics, DRIFT_METRIC, type ReconcileMetrics } from './metrics.js';
export {
  configuredProviders,
  createReconciler,
  sourceFor,
  type Reconciler,
  type ReconcilerConfig,
  type ReconcilerDeps,
  type RunOptions,
} from './reconciler.js';
export { RunStore, type RunRecord, type RunStatus } from './run-store.js';
export { createAuthentikSource, type AuthentikSourceOptions } from './sources/authentik.js';
export { createKratosSource, nextPageToken, type KratosSourceOptions } from './sources/kratos.js';
export {
  PROVIDERS,
  type DriftItem,
  type DriftKind,
  type IdentitySource,
  type ListedIdentity,
  type Provider,
  type ReconcileCounts,
  type ReconcileSummary,
  type RepairEvent,
} from './types.js';

/** The `--json` line of a run: exactly these keys (`refused` only when the run refused). */
export function summaryJson(s: import('./types.js').ReconcileSummary): Record<string, unknown> {
  return {
    provider: s.provider,
    dryRun: s.dryRun,
    listed: s.listed,
    created: s.created,
    updated: s.updated,
    deleted: s.deleted,
    unchanged: s.unchanged,
    ...(s.refused ? { refused: s.refused } : {}),
  };
}
