import { Router, type Request, type RequestHandler } from 'express';
import { AuthError, type Authenticator, type Principal } from '../auth/authenticator.js';
import { seesPersonalData } from '../auth/roles.js';
import type { RecipientsService } from '../recipients/service.js';
import { requireRole } from './api.js';

const query = (req: Request): Record<string, unknown> => ({ ...(req.query as Record<string, unknown>) });
const body = (req: Request): Record<string, unknown> => (req.body ?? {}) as Record<string, unknown>;
const actor = (res: { locals: Record<string, unknown> }): string => (res.locals.principal as Principal).actor;

/** Recipients' addresses are personal data: operators, or readers with the pii grant. */
const personalData: RequestHandler = (_req, res, next) => {
  if (!seesPersonalData((res.locals.principal as Principal).grants))
    throw new AuthError(403, 'recipients are personal data: the operator role or the pii grant is required', {
      code: 'forbidden',
    });
  next();
};

/**
 * `/api/notifications*` (per-recipient status, preview), `/api/suppressions*` and `/api/opt-outs*`. Reads need
 * a token that sees personal data; lifting a suppression and resubscribing need the operator role (audited).
 */
export function recipientsApiRouter(deps: {
  recipients: RecipientsService;
  authenticate: Authenticator;
}): Router {
  const { recipients } = deps;
  const read = requireRole(deps.authenticate, 'read');
  const operate = requireRole(deps.authenticate, 'operator');
  const router = Router();
  for (const prefix of ['/api/notifications', '/api/suppressions', '/api/opt-outs'])
    router.use(prefix, read, personalData);
  router.get(
    '/api/notifications',
    async (req, res) => void res.json(await recipients.notifications(query(req))),
  );
  router.get(
    '/api/notifications/:id',
    async (req, res) => void res.json(await recipients.notification(String(req.params.id))),
  );
  router.get(
    '/api/notifications/:id/preview',
    async (req, res) => void res.json(await recipients.preview(String(req.params.id), req.query.email)),
  );
  router.get(
    '/api/suppressions',
    async (req, res) => void res.json(await recipients.suppressions(query(req))),
  );
  router.delete(
    '/api/suppressions/:email',
    operate,
    async (req, res) => void res.json(await recipients.removeSuppression(req.params.email, actor(res))),
  );
  router.get('/api/opt-outs', async (req, res) => void res.json(await recipients.optOuts(query(req))));
  router.post(
    '/api/opt-outs/resubscribe',
    operate,
    async (req, res) =>
      void res.json(await recipients.resubscribe(body(req).list, body(req).email, actor(res))),
  );
  return router;
}
