import type { Router } from 'express';
import type { ErasureService } from '../erasure/erasure.js';
import { BadRequestError } from '../errors.js';
import type { IdentityService } from '../identities/service.js';
import type { ConsoleKit } from './kit.js';
import { queryOf } from './dead-letters-routes.js';
import { erasureConfirmPage, erasureDonePage } from './pages/erasure.js';
import { identitySearchPage, type IdentitySearch } from './pages/identities.js';
import { timelinePage } from './pages/timeline.js';

const SEARCH_KEYS = ['email', 'externalId', 'provider', 'id'] as const;

/** Identity search, timeline and erasure (dry run, then confirm); identities are personal data. */
export function registerIdentityPages(
  router: Router,
  kit: ConsoleKit,
  deps: { identities: IdentityService; erasure: ErasureService },
): void {
  const { signedIn, checked, operator, personal, page, ctx, principal } = kit;
  router.get('/identities', signedIn, personal, async (req, res) => {
    const q: IdentitySearch = {};
    for (const key of SEARCH_KEYS) {
      const v = req.query[key];
      if (typeof v === 'string' && v.trim() !== '') q[key] = v.trim();
    }
    if (Object.keys(q).length === 0) return page(res, 200, identitySearchPage(ctx(res), q, undefined));
    try {
      const { items } = await deps.identities.search(q);
      page(res, 200, identitySearchPage(ctx(res), q, items));
    } catch (err) {
      if (!(err instanceof BadRequestError)) throw err;
      page(res, 400, identitySearchPage(ctx(res), q, undefined, err.message));
    }
  });
  router.get('/identities/:id', signedIn, personal, async (req, res) => {
    const timeline = await deps.identities.timeline(String(req.params.id));
    page(res, 200, timelinePage(ctx(res), timeline, queryOf(req).refresh));
  });
  router.get('/identities/:id/erase', signedIn, operator, async (req, res) => {
    const id = String(req.params.id);
    const identity = await deps.identities.get(id);
    const dry = await deps.erasure.erase(id, { actor: principal(res).actor, dryRun: true });
    page(res, 200, erasureConfirmPage(ctx(res), identity, dry));
  });
  router.post('/identities/:id/erase', signedIn, checked, operator, async (req, res) => {
    const id = String(req.params.id);
    const result = await deps.erasure.erase(id, { actor: principal(res).actor, dryRun: false });
    page(res, 200, erasureDonePage(ctx(res), result));
  });
}
