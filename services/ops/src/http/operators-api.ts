import { Router } from 'express';
import type { AuditLog } from '../audit/audit-log.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { ErasureService } from '../erasure/erasure.js';
import type { IdentityService } from '../identities/service.js';
import { PersonalDataView } from '../privacy/views.js';
import { mount, personSearch, principalOf, queryOf } from './mount.js';
import { API_ROUTES as R } from './route-table.js';

export interface OperatorsApiDeps {
  identities: IdentityService;
  audit: AuditLog;
  erasure: ErasureService;
  authenticate: Authenticator;
}

/**
 * `/api/identities*` and `/api/audit`: questions about people and about what operators did. Identities are
 * personal data through and through: operators, or readers with the pii grant (route-table.ts).
 */
export function operatorsApiRouter(deps: OperatorsApiDeps): Router {
  const { identities, audit } = deps;
  const router = Router();
  mount(router, R.searchIdentities, deps, async (req, res) => {
    res.json(await identities.search(queryOf(req)));
  });
  mount(router, R.getIdentity, deps, async (req, res) => {
    res.json(await identities.get(String(req.params.id)));
  });
  mount(router, R.identityTimeline, deps, async (req, res) => {
    res.json(await identities.timeline(String(req.params.id)));
  });
  mount(router, R.eraseIdentity, deps, async (req, res) => {
    const { dryRun } = req.body as { dryRun: boolean };
    const { actor } = principalOf(res);
    res.json(await deps.erasure.erase(String(req.params.id), { actor, dryRun }));
  });
  mount(router, R.audit, deps, personSearch, async (req, res) => {
    res.json(new PersonalDataView(principalOf(res)).audit(await audit.list(queryOf(req))));
  });
  return router;
}
