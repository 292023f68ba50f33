import { Router, type Response } from 'express';
import type { Logger } from 'pino';
import {
  ProviderNotConfiguredError,
  ReconcileBusyError,
  type Provider,
  type Reconciler,
  type RunRecord,
} from '@identity-relay/reconcile';
import type { Authenticator } from '../auth/authenticator.js';
import { BadRequestError, ConflictError, NotFoundError } from '../errors.js';
import { UUID } from '../store/filter.js';
import { mount, principalOf } from './mount.js';
import { API_ROUTES as R } from './route-table.js';

/** Starts a run in this process; resolves with its record once it holds the provider's lease. */
function startRun(
  deps: { reconciler: Reconciler; logger: Logger },
  provider: Provider,
  opts: { dryRun: boolean; force: boolean; trigger: string },
): Promise<RunRecord> {
  return new Promise<RunRecord>((resolve, reject) => {
    deps.reconciler.run(provider, { ...opts, onStarted: resolve }).then(
      (summary) =>
        deps.logger.info(
          { runId: summary.runId, provider, status: summary.status },
          'reconciliation finished',
        ),
      (err: unknown) => {
        reject(err); // before it started: the answer; after: only logged (the run row records it)
        deps.logger.warn({ err, provider }, 'reconciliation failed');
      },
    );
  }).catch((err: unknown) => {
    if (err instanceof ReconcileBusyError) throw new ConflictError(err.message, { code: 'reconcile_busy' });
    if (err instanceof ProviderNotConfiguredError)
      throw new BadRequestError(err.message, { code: 'provider_not_configured' });
    throw err;
  });
}

/**
 * `/api/reconcile/*`: reconciliation runs of the IdPs' admin APIs against `identities` (packages/reconcile).
 * Listing and reading runs need the read role; `POST /api/reconcile/{provider}` (`{"dryRun": true}`,
 * `{"force": true}`) needs the operator role, starts a run in this process and answers 202 with the run once it
 * holds the provider's lease (409 while another run does).
 */
export function reconcileRouter(deps: {
  reconciler: Reconciler;
  authenticate: Authenticator;
  logger: Logger;
}): Router {
  const { reconciler } = deps;
  const router = Router();
  mount(router, R.reconcileRuns, deps, async (req, res) => {
    const provider = req.query.provider as Provider | undefined;
    const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
    if (limit < 1 || limit > 200) throw new BadRequestError('limit must be 1..200');
    res.json({ items: await reconciler.runs.list({ provider, limit }) });
  });
  mount(router, R.reconcileRun, deps, async (req, res) => {
    const id = String(req.params.id);
    if (!UUID.test(id)) throw new BadRequestError('run id must be a UUID');
    const run = await reconciler.runs.get(id);
    if (!run) throw new NotFoundError(`no reconciliation run ${id}`);
    res.json(run);
  });
  mount(router, R.startReconcile, deps, async (req, res: Response) => {
    const { dryRun = false, force = false } = (req.body ?? {}) as { dryRun?: boolean; force?: boolean };
    const provider = req.params.provider as Provider;
    const run = await startRun(deps, provider, { dryRun, force, trigger: principalOf(res).actor });
    res.status(202).location(`/api/reconcile/runs/${run.id}`).json(run);
  });
  return router;
}
