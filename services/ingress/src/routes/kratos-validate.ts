import { Router } from 'express';
import { HttpError, httpErrorHandler, type ErrorFormat } from '@identity-relay/runtime';
import {
  compile,
  kratosAddressVerified,
  kratosMessage,
  kratosSyncIdentityBodySchema,
  toKratosErrorBody,
  type KratosErrorBody,
  type KratosSyncIdentityBody,
} from '@identity-relay/contracts';
import type { Logger } from 'pino';
import { jsonBody } from '../http/json-body.js';
import type { RouteAuth } from '../http/route-auth.js';
import { evaluatePolicy, type RefusalCode } from '../policy/evaluate.js';
import type { PolicyStore } from '../policy/store.js';
import { ROUTES } from '../route-table.js';

const validateBody = compile<KratosSyncIdentityBody>(kratosSyncIdentityBodySchema);

/**
 * Kratos message ids of policy refusals (integers, as Kratos requires), in a range of their own next to
 * Kratos' validation ids (4000000+). Stable: never renumber.
 */
export const POLICY_MESSAGE_IDS: Readonly<Record<RefusalCode, number>> = {
  'invalid-email': 4100001,
  'domain-not-allowed': 4100002,
  'domain-blocked': 4100003,
  'invalid-username': 4100004,
  'missing-trait': 4100005,
};

/** Id of form-wide messages for a refused request itself (auth, size, rate): Kratos' system error range. */
const REQUEST_ERROR_ID = 5000001;

/** `name` → `#/traits/name`, escaped as a JSON pointer token. */
export function traitPointer(name: string): string {
  return `#/traits/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** Every failure of this route is a Kratos `messages` body: with `response.parse: true` Kratos parses all 4xx. */
const kratosFormat: ErrorFormat = (err): KratosErrorBody => ({
  messages: [kratosMessage('#/', REQUEST_ERROR_ID, err.message, { code: err.code })],
});

export interface KratosValidateDeps {
  auth: RouteAuth;
  bodyLimitBytes: number;
  policy: PolicyStore;
  logger: Logger;
}

/**
 * `POST /kratos/validate-registration`: a registration `after` web_hook with `response.parse: true` and body
 * `function(ctx) { identity: ctx.identity }`, run before the identity is saved. Applies the policy to the
 * traits: 403 with a Kratos `messages` body on refusal (4xx: Kratos retries 5xx and then shows a generic
 * error), 204 to continue, or 200 `{identity: {metadata_public}}` adding the granted `roles`. Never publishes.
 */
export function kratosValidateRouter(deps: KratosValidateDeps): Router {
  const router = Router();
  router.post(
    ROUTES.kratosValidate.path,
    jsonBody(deps.bodyLimitBytes, { beforeRead: [deps.auth.gate], beforeParse: [deps.auth.verify] }),
    (req, res) => {
      const body: unknown = req.body;
      if (!validateBody(body)) {
        const messages = toKratosErrorBody(validateBody.errors, { relativeTo: '/identity' });
        throw new HttpError(422, 'invalid_identity', 'invalid Kratos identity', { body: messages });
      }
      const { traits } = body.identity;
      const decision = evaluatePolicy(deps.policy.current(), {
        email: traits.email,
        username: traits.username,
        traits,
        // Verified for the address typed (e.g. an OIDC sign-up whose provider vouched for it); a password
        // registration's address is not yet, so its domain roles wait for verification (IdentityChanged).
        emailVerified: kratosAddressVerified(body.identity.verifiable_addresses, traits.email),
      });
      if (!decision.ok) {
        const message = kratosMessage(
          traitPointer(decision.field),
          POLICY_MESSAGE_IDS[decision.code],
          decision.message,
          {
            code: decision.code,
          },
        );
        res.locals.log.info({ code: decision.code, field: decision.field }, 'registration refused by policy');
        res.status(403).json({ messages: [message] });
        return;
      }
      if (decision.roles.length === 0) {
        res.status(204).end();
        return;
      }
      // Kratos replaces the whole field with what we return, so keep what metadata_public already had.
      const metadata = { ...(body.identity.metadata_public ?? {}), roles: decision.roles };
      res.status(200).json({ identity: { metadata_public: metadata } });
    },
  );
  router.use(
    ROUTES.kratosValidate.path,
    httpErrorHandler({
      onUnexpected: (err) => deps.logger.error({ err }, 'unexpected error in validate-registration'),
      format: kratosFormat,
    }),
  );
  return router;
}
