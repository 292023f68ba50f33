import type { Router } from 'express';
import type { AuditLog } from '../audit/audit-log.js';
import { BadRequestError } from '../errors.js';
import { searchesPerson } from '../store/filter.js';
import type { ConsoleKit } from './kit.js';
import { queryOf } from './dead-letters-routes.js';
import { auditPage, type AuditFilter } from './pages/audit.js';

const FILTER_KEYS = ['actor', 'action', 'deadLetterId', 'identityId', 'since', 'until'] as const;

/** The audit log with the API's filters; any signed-in user may read it, as with `GET /api/audit`. */
export function registerAuditPage(router: Router, kit: ConsoleKit, audit: AuditLog): void {
  const { signedIn, page, ctx, view } = kit;
  router.get('/audit', signedIn, async (req, res) => {
    const { query, refresh } = queryOf(req);
    if (view(res).masked && searchesPerson(query))
      return kit.fail(res, 403, 'Searching by person needs the operator role or the pii grant.');
    const f: AuditFilter = {};
    for (const key of FILTER_KEYS)
      if (typeof query[key] === 'string' && query[key] !== '') f[key] = query[key];
    try {
      page(res, 200, auditPage(ctx(res), f, view(res).audit(await audit.list(query)), { refresh }));
    } catch (err) {
      if (!(err instanceof BadRequestError)) throw err;
      page(res, 400, auditPage(ctx(res), f, undefined, { problem: err.message }));
    }
  });
}
