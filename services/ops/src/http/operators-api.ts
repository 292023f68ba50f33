import express, { Router, type Request, type RequestHandler } from 'express';
import type { AuditLog } from '../audit/audit-log.js';
import { PersonalDataView } from '../privacy/views.js';
import { AuthError, type Authenticator, type Principal } from '../auth/authenticator.js';
import { seesPersonalData } from '../auth/roles.js';
import type { ErasureService } from '../erasure/erasure.js';
import { BadRequestError } from '../errors.js';
import type { IdentityService } from '../identities/service.js';
import { requireRole } from './api.js';

export interface OperatorsApiDeps {
  identities: IdentityService;
  audit: AuditLog;
  erasure: ErasureService;
  authenticate: Authenticator;
}

const query = (req: Request): Record<string, unknown> => ({ ...(req.query as Record<string, unknown>) });

/** Identities are personal data through and through: operators, or readers with the pii grant. */
const personalData: RequestHandler = (_req, res, next) => {
  if (!seesPersonalData((res.locals.principal as Principal).grants))
    throw new AuthError(403, 'identities are personal data: the operator role or the pii grant is required', {
      code: 'forbidden',
    });
  next();
};

/** `/api/identities*` and `/api/audit`: questions about people and about what operators did. */
export function operatorsApiRouter(deps: OperatorsApiDeps): Router {
  const { identities, audit } = deps;
  const read = requireRole(deps.authenticate, 'read');
  const router = Router();
  router.use('/api/identities', express.json({ limit: '4kb' }), read, personalData);
  router.get('/api/identities', async (req, res) => void res.json(await identities.search(query(req))));
  router.get(
    '/api/identities/:id',
    async (req, res) => void res.json(await identities.get(String(req.params.id))),
  );
  router.get(
    '/api/identities/:id/timeline',
    async (req, res) => void res.json(await identities.timeline(String(req.params.id))),
  );
  router.post('/api/identities/:id/erase', requireRole(deps.authenticate, 'operator'), async (req, res) => {
    const dryRun = (req.body as { dryRun?: unknown } | undefined)?.dryRun;
    if (typeof dryRun !== 'boolean')
      throw new BadRequestError('dryRun: must be true or false (say which: an erasure is not undone)');
    const actor = (res.locals.principal as Principal).actor;
    res.json(await deps.erasure.erase(String(req.params.id), { actor, dryRun }));
  });
  router.get(
    '/api/audit',
    read,
    async (req, res) =>
      void res.json(
        new PersonalDataView(res.locals.principal as Principal).audit(await audit.list(query(req))),
      ),
  );
  return router;
}
