import type { RunStore } from '@identity-relay/reconcile';
import type { Provider } from '@identity-relay/reconcile';

/** (5 minutes) The soonest a failed scheduled run is tried again, when the interval is longer. */
export const FAILED_RUN_RETRY_MS = 300_000;

/**
 * Whether a scheduled run of `provider` is due now. The schedule counts from the runs table, not from this
 * process's start, so restarts and replicas do not add runs: due when no real run completed (succeeded or refused)
 * within `intervalMs` — the very first run is the backfill — and no run failed within min(interval, 5 minutes).
 */
export async function isDue(
  runs: RunStore,
  provider: Provider,
  intervalMs: number,
  now = Date.now(),
): Promise<boolean> {
  const completed = await runs.lastStartedAt(provider, ['succeeded', 'refused']);
  if (completed && now - completed.getTime() < intervalMs) return false;
  const failed = await runs.lastStartedAt(provider, ['failed', 'abandoned']);
  const retryMs = Math.min(intervalMs, FAILED_RUN_RETRY_MS);
  return !(failed && (!completed || failed > completed) && now - failed.getTime() < retryMs);
}
