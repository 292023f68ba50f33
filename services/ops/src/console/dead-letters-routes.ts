import type { Request, Router } from 'express';
import { InvalidMessageError } from '../errors.js';
import type { OpsService } from '../ops-service.js';
import { FILTER_KEYS, parseFilter, searchesPerson } from '../store/filter.js';
import { form, str, type ConsoleKit } from './kit.js';
import { bulkConfirmPage, bulkDonePage } from './pages/bulk.js';
import { confirmPage, detailPage, editPage } from './pages/dead-letter.js';
import { listPage } from './pages/dead-letters.js';
import { overviewPage } from './pages/overview.js';

/** The dead-letter filter of a query or form: its known keys, empty ones dropped. */
export function filterFrom(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    FILTER_KEYS.map((k) => [k, input[k]]).filter(([, v]) => v !== undefined && v !== ''),
  );
}

/** The page's query without the console's own `refresh` switch (the service refuses unknown keys). */
export function queryOf(req: Request): { query: Record<string, unknown>; refresh: boolean } {
  const { refresh, ...query } = req.query as Record<string, unknown>;
  return { query, refresh: refresh === '1' };
}

const NOTICES: Record<string, string> = {
  replayed: 'Replayed: the message was republished and the broker confirmed it.',
  edited: 'Edited and replayed: the corrected message was republished; the original body is kept below.',
  discarded: 'Discarded.',
};

/** Overview, dead-letter list and detail, replay, edit & retry, discard, bulk actions. */
export function registerDeadLetterPages(router: Router, kit: ConsoleKit, ops: OpsService): void {
  const { signedIn, checked, operator, page, ctx, view, principal } = kit;
  router.get('/', signedIn, async (req, res) => {
    const [stats, groups] = await Promise.all([ops.stats(), ops.groups({})]);
    const refresh = req.query.refresh === '1';
    page(res, 200, overviewPage(ctx(res), stats, view(res).groups(groups.items), refresh));
  });
  router.get('/dead-letters', signedIn, async (req, res) => {
    const { query, refresh } = queryOf(req);
    if (view(res).masked && searchesPerson(query))
      return kit.fail(res, 403, 'Searching by person needs the operator role or the pii grant.');
    const result = await ops.list(query);
    page(res, 200, listPage(ctx(res), parseFilter(filterFrom(query)), view(res).page(result), refresh));
  });
  router.get('/dead-letters/bulk', signedIn, operator, async (req, res) => {
    const action = req.query.action === 'discard' ? 'discard' : 'replay';
    const filter = filterFrom(req.query as Record<string, unknown>);
    const dry = await ops.bulk(action, { filter, dryRun: true }, principal(res).actor);
    page(res, 200, bulkConfirmPage(ctx(res), action, view(res).bulk(dry)));
  });
  router.post('/dead-letters/bulk', signedIn, checked, operator, async (req, res) => {
    const body = form(req);
    const action = body.action === 'discard' ? 'discard' : 'replay';
    const result = await ops.bulk(action, { filter: filterFrom(body), dryRun: false }, principal(res).actor);
    page(res, 200, bulkDonePage(ctx(res), result));
  });
  router.get('/dead-letters/:id', signedIn, async (req, res) => {
    const detail = view(res).detail(await ops.get(String(req.params.id)));
    page(res, 200, detailPage(ctx(res), detail, NOTICES[str(req.query.done)]));
  });
  router.get('/dead-letters/:id/confirm', signedIn, operator, async (req, res) => {
    const action = req.query.action === 'discard' ? 'discard' : 'replay';
    const detail = view(res).detail(await ops.get(String(req.params.id)));
    page(res, 200, confirmPage(ctx(res), detail, action));
  });
  router.post('/dead-letters/:id/replay', signedIn, checked, operator, async (req, res) => {
    const id = String(req.params.id);
    await ops.replay(id, principal(res).actor, { force: form(req).force === 'true' });
    res.redirect(303, `/dead-letters/${id}?done=replayed`);
  });
  router.get('/dead-letters/:id/edit', signedIn, operator, async (req, res) => {
    const detail = await ops.get(String(req.params.id));
    const text =
      detail.body.json !== undefined ? JSON.stringify(detail.body.json, null, 2) : (detail.body.text ?? '');
    page(res, 200, editPage(ctx(res), detail, { text }));
  });
  router.post('/dead-letters/:id/edit', signedIn, checked, operator, async (req, res) => {
    const id = String(req.params.id);
    const text = str(form(req).body);
    const refuse = async (problems: string[]) =>
      page(res, 422, editPage(ctx(res), await ops.get(id), { text, problems }));
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      return refuse([`JSON: ${(err as Error).message}`]);
    }
    try {
      await ops.replay(id, principal(res).actor, { body, force: form(req).force === 'true' });
    } catch (err) {
      if (err instanceof InvalidMessageError) return refuse(err.problems);
      throw err;
    }
    res.redirect(303, `/dead-letters/${id}?done=edited`);
  });
  router.post('/dead-letters/:id/discard', signedIn, checked, operator, async (req, res) => {
    const id = String(req.params.id);
    await ops.discard(id, principal(res).actor);
    res.redirect(303, `/dead-letters/${id}?done=discarded`);
  });
}
