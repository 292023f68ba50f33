import express, {
  Router,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { HttpError } from '@identity-relay/runtime';
import type { Authenticator, Principal } from '../auth/authenticator.js';
import { AuthError } from '../auth/authenticator.js';
import { allows, type Role } from '../auth/roles.js';
import type { OpsService } from '../ops-service.js';
import { PersonalDataView } from '../privacy/views.js';
import { searchesPerson } from '../store/filter.js';
import { openApiDocument } from './openapi.js';

function bearer(req: Request): string | undefined {
  const header = req.get('authorization');
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** Authenticates the bearer token and requires `need`; sets `res.locals.principal`. */
export function requireRole(authenticate: Authenticator, need: Role): RequestHandler {
  return async (req, res, next) => {
    const principal = await authenticate(bearer(req));
    if (!allows(principal.role, need))
      throw new AuthError(403, `${need} rights required`, { code: 'forbidden' });
    res.locals.principal = principal;
    next();
  };
}

const actor = (res: Response): string => (res.locals.principal as Principal).actor;
/** Masks personal data unless the caller may see it. */
const view = (res: Response): PersonalDataView => new PersonalDataView(res.locals.principal as Principal);

/** Searching dead letters by person (email, external or identity id) is for those who see personal data. */
const personSearch: RequestHandler = (req, res, next) => {
  if (view(res).masked && searchesPerson(req.query as Record<string, unknown>))
    throw new AuthError(403, 'searching by person needs the operator role or the pii grant', {
      code: 'forbidden',
    });
  next();
};
const query = (req: Request): Record<string, unknown> => ({ ...(req.query as Record<string, unknown>) });

/** `/api/*`: the dead-letter API. Every route needs a token; POSTs need operator rights. */
export function apiRouter(deps: { ops: OpsService; authenticate: Authenticator }): Router {
  const { ops, authenticate } = deps;
  const read = requireRole(authenticate, 'read');
  const operate = requireRole(authenticate, 'operator');
  const router = Router();
  router.use(express.json({ limit: '64kb' }));
  router.get('/api/openapi.json', (_req, res) => void res.json(openApiDocument));
  router.get(
    '/api/dead-letters',
    read,
    personSearch,
    async (req, res) => void res.json(view(res).page(await ops.list(query(req)))),
  );
  router.get(
    '/api/dead-letters/groups',
    read,
    personSearch,
    async (req, res) => void res.json({ items: view(res).groups((await ops.groups(query(req))).items) }),
  );
  router.get(
    '/api/dead-letters/:id',
    read,
    async (req, res) => void res.json(view(res).detail(await ops.get(String(req.params.id)))),
  );
  router.post(
    '/api/dead-letters/replay',
    operate,
    async (req, res) => void res.json(view(res).bulk(await ops.bulk('replay', req.body, actor(res)))),
  );
  router.post(
    '/api/dead-letters/discard',
    operate,
    async (req, res) => void res.json(view(res).bulk(await ops.bulk('discard', req.body, actor(res)))),
  );
  router.post('/api/dead-letters/:id/replay', operate, async (req, res) => {
    const force = (req.body as { force?: unknown } | undefined)?.force === true || req.query.force === 'true';
    const body = (req.body as { body?: unknown } | undefined)?.body;
    res.json(await ops.replay(String(req.params.id), actor(res), { force, body }));
  });
  router.post(
    '/api/dead-letters/:id/discard',
    operate,
    async (req, res) => void res.json(await ops.discard(String(req.params.id), actor(res))),
  );
  router.get('/api/stats', read, async (_req, res) => void res.json(await ops.stats()));
  router.use('/api', (req: Request, _res: Response, next: NextFunction) =>
    next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.originalUrl.split('?')[0]}`)),
  );
  return router;
}
