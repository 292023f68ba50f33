import { Router } from 'express';
import type { Authenticator } from '../auth/authenticator.js';
import type { RecipientsService } from '../recipients/service.js';
import { mount, principalOf, queryOf } from './mount.js';
import { API_ROUTES as R } from './route-table.js';

/**
 * `/api/notifications*` (per-recipient status, preview), `/api/suppressions*` and `/api/opt-outs*`. Recipients'
 * addresses are personal data: reads need a token that sees them; lifting a suppression and resubscribing need
 * the operator role (audited).
 */
export function recipientsApiRouter(deps: {
  recipients: RecipientsService;
  authenticate: Authenticator;
}): Router {
  const { recipients } = deps;
  const router = Router();
  mount(router, R.listNotifications, deps, async (req, res) => {
    res.json(await recipients.notifications(queryOf(req)));
  });
  mount(router, R.getNotification, deps, async (req, res) => {
    res.json(await recipients.notification(String(req.params.id)));
  });
  mount(router, R.previewNotification, deps, async (req, res) => {
    res.json(await recipients.preview(String(req.params.id), req.query.email));
  });
  mount(router, R.listSuppressions, deps, async (req, res) => {
    res.json(await recipients.suppressions(queryOf(req)));
  });
  mount(router, R.removeSuppression, deps, async (req, res) => {
    res.json(await recipients.removeSuppression(req.params.email, principalOf(res).actor));
  });
  mount(
    router,
    R.listOptOuts,
    deps,
    async (req, res) => void res.json(await recipients.optOuts(queryOf(req))),
  );
  mount(router, R.resubscribe, deps, async (req, res) => {
    const { list, email } = req.body as { list: string; email: string };
    res.json(await recipients.resubscribe(list, email, principalOf(res).actor));
  });
  return router;
}
