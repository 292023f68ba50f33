import { Router } from 'express';
import { HttpError, httpErrorHandler, type ErrorFormat } from '@identity-relay/runtime';
import { compile, formatErrors } from '@identity-relay/contracts';
import type { Logger } from 'pino';
import { jsonBody } from '../http/json-body.js';
import type { RouteAuth } from '../http/route-auth.js';
import { evaluatePolicy } from '../policy/evaluate.js';
import type { PolicyStore } from '../policy/store.js';
import { ROUTES } from '../route-table.js';
import { hookRequestSchema, type HookRequest } from './hook-schemas.js';

export type { HookRequest } from './hook-schemas.js';

const validateHookRequest = compile<HookRequest>(hookRequestSchema);

/** Seed 004's failure body; transport codes become kebab-case like the policy codes (`rate_limited` → `rate-limited`). */
const hookFormat: ErrorFormat = (err) => ({ code: err.code.replace(/_/g, '-'), message: err.message });

export interface HooksDeps {
  auth: RouteAuth;
  bodyLimitBytes: number;
  policy: PolicyStore;
  logger: Logger;
}

/**
 * `POST /hooks/pre-signup` and `POST /hooks/pre-login` (seed 004): the policy decides; 200 (`{"roles": [...]}`
 * on signup, `{}` otherwise) lets the flow continue, a 4xx `{code, message, detail?}` is shown to the client
 * as is, malformed requests included. Never publishes.
 */
export function hooksRouter(deps: HooksDeps): Router {
  const router = Router();
  for (const kind of ['signup', 'login'] as const) {
    router.post(
      ROUTES[kind === 'signup' ? 'preSignup' : 'preLogin'].path,
      jsonBody(deps.bodyLimitBytes, { beforeRead: [deps.auth.gate], beforeParse: [deps.auth.verify] }),
      (req, res) => {
        const body: unknown = req.body;
        if (!validateHookRequest(body)) {
          const detail = formatErrors(validateHookRequest.errors);
          throw new HttpError(422, 'invalid-request', 'expected {"provider": string, "data": object}', {
            body: {
              code: 'invalid-request',
              message: 'expected {"provider": string, "data": object}',
              detail,
            },
          });
        }
        const { data } = body;
        const decision = evaluatePolicy(
          deps.policy.current(),
          {
            email: data.email,
            username: data.username,
            traits: data,
            // Seed 004's callers (Cognito-style) send `email_verified` as a boolean or the string "true".
            emailVerified: data.email_verified === true || data.email_verified === 'true',
          },
          { requireTraits: kind === 'signup' },
        );
        if (!decision.ok) {
          res.locals.log.info(
            { code: decision.code, field: decision.field, hook: kind },
            'refused by policy',
          );
          res
            .status(403)
            .json({ code: decision.code, message: decision.message, detail: { field: decision.field } });
          return;
        }
        res.status(200).json(kind === 'signup' && decision.roles.length > 0 ? { roles: decision.roles } : {});
      },
    );
  }
  router.use(
    [ROUTES.preSignup.path, ROUTES.preLogin.path],
    httpErrorHandler({
      onUnexpected: (err) => deps.logger.error({ err }, 'unexpected error in policy hook'),
      format: hookFormat,
    }),
  );
  return router;
}
