import express, { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import {
  PROVIDERS,
  ProviderNotConfiguredError,
  ReconcileBusyError,
  type Provider,
  type Reconciler,
  type RunRecord,
} from '@identity-relay/reconcile';
import type { Authenticator, Principal } from '../auth/authenticator.js';
import { BadRequestError, ConflictError, NotFoundError } from '../errors.js';
import { requireRole } from './api.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function providerOf(value: unknown): Provider {
  if (typeof value === 'string' && (PROVIDERS as readonly string[]).includes(value)) return value as Provider;
  throw new BadRequestError(`provider must be one of ${PROVIDERS.join(', ')}`);
}

/** `{"dryRun"?: boolean, "force"?: boolean}` and nothing else (an empty body is a real run). */
function runOptionsOf(body: unknown): { dryRun: boolean; force: boolean } {
  const input = body ?? {};
  if (typeof input !== 'object' || Array.isArray(input))
    throw new BadRequestError('body must be a JSON object');
  for (const [key, value] of Object.entries(input)) {
    if (key !== 'dryRun' && key !== 'force')
      throw new BadRequestError(`unknown field ${JSON.stringify(key)}`);
    if (typeof value !== 'boolean') throw new BadRequestError(`${key} must be true or false`);
  }
  const { dryRun = false, force = false } = input as { dryRun?: boolean; force?: boolean };
  return { dryRun, force };
}

/**
 * `/api/reconcile/*`: reconciliation runs of the IdPs' admin APIs against `identities` (packages/reconcile).
 * `GET /api/reconcile/runs[?provider=&limit=]` and `GET /api/reconcile/runs/:id` need the read role;
 * `POST /api/reconcile/:provider` (`{"dryRun": true}`, `{"force": true}`) needs the operator role, starts a run in
 * this process and answers 202 with the run once it holds the provider's lease (409 while another run does).
 */
export function reconcileRouter(deps: {
  reconciler: Reconciler;
  authenticate: Authenticator;
  logger: Logger;
}): Router {
  const { reconciler, authenticate, logger } = deps;
  const router = Router();
  router.use('/api/reconcile', express.json({ limit: '4kb' }));
  router.get(
    '/api/reconcile/runs',
    requireRole(authenticate, 'read'),
    async (req: Request, res: Response) => {
      const provider = req.query.provider === undefined ? undefined : providerOf(req.query.provider);
      const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 200)
        throw new BadRequestError('limit must be 1..200');
      res.json({ items: await reconciler.runs.list({ provider, limit }) });
    },
  );
  router.get(
    '/api/reconcile/runs/:id',
    requireRole(authenticate, 'read'),
    async (req: Request, res: Response) => {
      const id = String(req.params.id);
      if (!UUID.test(id)) throw new BadRequestError('run id must be a UUID');
      const run = await reconciler.runs.get(id);
      if (!run) throw new NotFoundError(`no reconciliation run ${id}`);
      res.json(run);
    },
  );
  router.post(
    '/api/reconcile/:provider',
    requireRole(authenticate, 'operator'),
    async (req: Request, res: Response) => {
      const provider = providerOf(req.params.provider);
      const opts = runOptionsOf(req.body);
      const actor = (res.locals.principal as Principal).actor;
      const run = await new Promise<RunRecord>((resolve, reject) => {
        reconciler.run(provider, { ...opts, trigger: actor, onStarted: resolve }).then(
          (summary) =>
            logger.info(
              { runId: summary.runId, provider, status: summary.status },
              'reconciliation finished',
            ),
          (err: unknown) => {
            reject(err); // before it started: the answer; after: only logged (the run row records it)
            logger.warn({ err, provider }, 'reconciliation failed');
          },
        );
      }).catch((err: unknown) => {
        if (err instanceof ReconcileBusyError)
          throw new ConflictError(err.message, { code: 'reconcile_busy' });
        if (err instanceof ProviderNotConfiguredError)
          throw new BadRequestError(err.message, { code: 'provider_not_configured' });
        throw err;
      });
      res.status(202).location(`/api/reconcile/runs/${run.id}`).json(run);
    },
  );
  return router;
}
