import { Router, type Request } from 'express';
import type { AuditLog } from '../audit/audit-log.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { IdentityService } from '../identities/service.js';
import { requireRole } from './api.js';

export interface OperatorsApiDeps {
  identities: IdentityService;
  audit: AuditLog;
  authenticate: Authenticator;
}

const query = (req: Request): Record<string, unknown> => ({ ...(req.query as Record<string, unknown>) });

/** `/api/identities*` and `/api/audit`: questions about people and about what operators did. */
export function operatorsApiRouter(deps: OperatorsApiDeps): Router {
  const { identities, audit } = deps;
  const read = requireRole(deps.authenticate, 'read');
  const router = Router();
  router.get('/api/identities', read, async (req, res) => void res.json(await identities.search(query(req))));
  router.get(
    '/api/identities/:id',
    read,
    async (req, res) => void res.json(await identities.get(String(req.params.id))),
  );
  router.get(
    '/api/identities/:id/timeline',
    read,
    async (req, res) => void res.json(await identities.timeline(String(req.params.id))),
  );
  router.get('/api/audit', read, async (req, res) => void res.json(await audit.list(query(req))));
  return router;
}
