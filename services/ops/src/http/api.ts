import { Router, type NextFunction, type Request, type Response } from 'express';
import { HttpError } from '@identity-relay/runtime';
import type { Authenticator } from '../auth/authenticator.js';
import type { OpsService } from '../ops-service.js';
import { PersonalDataView } from '../privacy/views.js';
import { mount, personSearch, principalOf, queryOf } from './mount.js';
import { buildOpsOpenApi } from './openapi.js';
import { API_ROUTES as R } from './route-table.js';

const actor = (res: Response): string => principalOf(res).actor;
/** Masks personal data unless the caller may see it. */
const view = (res: Response): PersonalDataView => new PersonalDataView(principalOf(res));

/** `/api/dead-letters*`, `/api/stats` and `/api/openapi.json`: the dead-letter API (routes in route-table.ts). */
export function apiRouter(deps: { ops: OpsService; authenticate: Authenticator }): Router {
  const { ops } = deps;
  const router = Router();
  const openApi = buildOpsOpenApi();
  mount(router, R.openapi, deps, (_req, res) => void res.json(openApi));
  mount(router, R.listDeadLetters, deps, personSearch, async (req, res) => {
    res.json(view(res).page(await ops.list(queryOf(req))));
  });
  mount(router, R.groupDeadLetters, deps, personSearch, async (req, res) => {
    res.json({ items: view(res).groups((await ops.groups(queryOf(req))).items) });
  });
  mount(router, R.getDeadLetter, deps, async (req, res) => {
    res.json(view(res).detail(await ops.get(String(req.params.id))));
  });
  mount(router, R.bulkReplay, deps, async (req, res) => {
    res.json(view(res).bulk(await ops.bulk('replay', req.body, actor(res))));
  });
  mount(router, R.bulkDiscard, deps, async (req, res) => {
    res.json(view(res).bulk(await ops.bulk('discard', req.body, actor(res))));
  });
  mount(router, R.replayDeadLetter, deps, async (req, res) => {
    const input = (req.body ?? {}) as { force?: boolean; body?: unknown };
    const force = input.force === true || req.query.force === 'true';
    res.json(await ops.replay(String(req.params.id), actor(res), { force, body: input.body }));
  });
  mount(router, R.discardDeadLetter, deps, async (req, res) => {
    res.json(await ops.discard(String(req.params.id), actor(res)));
  });
  mount(router, R.stats, deps, async (_req, res) => void res.json(await ops.stats()));
  return router;
}

/** Anything else under `/api`: 404 problem+json (mounted after every API router). */
export function apiNotFound(req: Request, _res: Response, next: NextFunction): void {
  next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.originalUrl.split('?')[0]}`));
}
