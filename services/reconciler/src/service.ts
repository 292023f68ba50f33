import type { Bus } from '@identity-relay/bus';
import type { PrismaClient } from '@identity-relay/db';
import {
  createReconciler,
  parseInterval,
  ReconcileBusyError,
  summaryJson,
  type Reconciler,
  type ReconcilerConfig,
} from '@identity-relay/reconcile';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { isDue } from './schedule.js';

export interface ReconcilerServiceDeps {
  prisma: PrismaClient;
  bus: Pick<Bus, 'publish'>;
  registry: Registry;
  logger: Logger;
  config: ReconcilerConfig & {
    /** RECONCILE_INTERVAL (`6h`…); unset = no scheduled runs. */
    reconcileInterval?: string;
  };
  /** (default=min(interval, 60000), milliseconds) How often the schedule is checked. */
  tickMs?: number;
  /** (default=built from the deps) Replaced in tests to use stand-in sources. */
  reconciler?: Reconciler;
}

export interface ReconcilerService {
  readonly reconciler: Reconciler;
  start(): Promise<void>;
  /** Stops scheduling; a run in progress is aborted (recorded as failed, its lease released). */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The reconciler process: runs each configured provider's reconciliation every RECONCILE_INTERVAL (first run =
 * backfill), one at a time per provider across replicas (the runs' lease). Consumes nothing; publishes repairs to
 * `identity.events` through the confirmed publisher.
 */
export function createReconcilerService(deps: ReconcilerServiceDeps): ReconcilerService {
  const { logger } = deps;
  const reconciler =
    deps.reconciler ??
    createReconciler({
      prisma: deps.prisma,
      publisher: deps.bus,
      config: deps.config,
      registry: deps.registry,
    });
  const intervalMs = deps.config.reconcileInterval ? parseInterval(deps.config.reconcileInterval) : null;
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> = Promise.resolve();

  async function tick(intervalMs: number): Promise<void> {
    for (const provider of reconciler.providers()) {
      if (abort.signal.aborted) return;
      try {
        if (!(await isDue(reconciler.runs, provider, intervalMs))) continue;
        logger.info({ provider }, 'scheduled reconciliation starting');
        const summary = await reconciler.run(provider, { trigger: 'schedule', signal: abort.signal });
        const log = summary.refused ? logger.warn.bind(logger) : logger.info.bind(logger);
        log({ runId: summary.runId, ...summaryJson(summary) }, 'scheduled reconciliation finished');
      } catch (err) {
        if (err instanceof ReconcileBusyError) logger.info({ provider }, err.message);
        else if (!abort.signal.aborted) logger.error({ err, provider }, 'scheduled reconciliation failed');
      }
    }
  }

  return {
    reconciler,
    async start() {
      if (intervalMs === null) {
        logger.info(
          'RECONCILE_INTERVAL is unset: no scheduled reconciliation (the CLI and ops API start runs)',
        );
        return;
      }
      const providers = reconciler.providers();
      if (providers.length === 0) {
        logger.warn(
          'RECONCILE_INTERVAL is set but neither KRATOS_ADMIN_URL nor AUTHENTIK_URL/AUTHENTIK_TOKEN is',
        );
      }
      const every = deps.tickMs ?? Math.min(intervalMs, 60_000);
      const loop = () => {
        ticking = tick(intervalMs).finally(() => {
          if (!abort.signal.aborted) timer = setTimeout(loop, every);
        });
      };
      loop();
    },
    async stop() {
      abort.abort();
      clearTimeout(timer);
      await ticking;
    },
  };
}
