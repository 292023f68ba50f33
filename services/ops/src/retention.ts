import type { Logger } from 'pino';
import type { SessionStore } from './auth/sessions.js';
import type { DeadLetterActions } from './store/actions.js';

const DAY_MS = 86_400_000;

export interface RetentionOptions {
  actions: DeadLetterActions;
  /** Expired and revoked console sessions are deleted on the same schedule. */
  sessions?: SessionStore;
  logger: Logger;
  /** Replayed and discarded entries resolved longer ago than this many days are purged. 1..3650. */
  retentionDays: number;
  /** (default=3600000) How often the purge runs, in milliseconds; it also runs once at start. 1000..86400000. */
  intervalMs?: number;
}

/** Periodic purge of resolved dead letters. Open ones are never purged: someone still has to look. */
export function startRetention(opts: RetentionOptions): { stop(): void; runOnce(): Promise<number> } {
  if (!Number.isInteger(opts.retentionDays) || opts.retentionDays < 1 || opts.retentionDays > 3650) {
    throw new RangeError(`retentionDays must be an integer in 1..3650, got ${opts.retentionDays}`);
  }
  const intervalMs = opts.intervalMs ?? 3_600_000;
  if (!Number.isInteger(intervalMs) || intervalMs < 1000 || intervalMs > DAY_MS) {
    throw new RangeError(`intervalMs must be an integer in 1000..86400000, got ${intervalMs}`);
  }
  const runOnce = async (): Promise<number> => {
    const purged = await opts.actions.purge(new Date(Date.now() - opts.retentionDays * DAY_MS));
    if (purged > 0)
      opts.logger.info({ purged, retentionDays: opts.retentionDays }, 'purged resolved dead letters');
    await opts.sessions?.purge();
    return purged;
  };
  const tick = (): void => {
    runOnce().catch((err: unknown) =>
      opts.logger.warn({ err }, 'dead-letter retention purge failed; will retry'),
    );
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return { stop: () => clearInterval(timer), runOnce };
}
