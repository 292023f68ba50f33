import { Router } from 'express';
import { HttpError } from '@identity-relay/runtime';
import {
  compile,
  kratosMessage,
  kratosSyncIdentityBodySchema,
  messageRoutes,
  MessageType,
  newCloudEvent,
  toKratosErrorBody,
  type KratosSyncIdentityBody,
  stableEventId,
} from '@identity-relay/contracts';
import { jsonBody } from '../http/json-body.js';
import type { RouteAuth } from '../http/route-auth.js';
import { publishEvent, type PublishDeps } from '../publish.js';
import { ROUTES } from '../route-table.js';

const validateSyncBody = compile<KratosSyncIdentityBody>(kratosSyncIdentityBodySchema);

/** Kratos' `uuid.Nil`: the id of an identity that is not saved yet (pre-persist `response.parse: true` hooks). */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** `Ory-Webhook-Trigger-ID` values used as idempotency keys: a UUID today; anything short and plain is kept. */
const TRIGGER_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface KratosRouteDeps extends PublishDeps {
  auth: RouteAuth;
  bodyLimitBytes: number;
  source: string;
  onAccepted?: (route: string) => void;
}

/**
 * The CloudEvent id of one sync call, stable across Kratos' retries of one delivery: from the signed
 * `webhook-id` when a signing proxy verified one (it is covered by the signature), else from Kratos'
 * `Ory-Webhook-Trigger-ID` (not signed, but only an authenticated caller — Kratos' key — gets this far), else random.
 */
export function syncEventId(
  triggerId: string | string[] | undefined,
  webhookId?: string,
): string | undefined {
  if (webhookId !== undefined) return stableEventId('kratos:webhook-id', webhookId);
  const value = Array.isArray(triggerId) ? triggerId[0] : triggerId;
  return value !== undefined && TRIGGER_ID.test(value)
    ? stableEventId('kratos:sync-identity', value)
    : undefined;
}

/**
 * `POST /kratos/sync-identity`: Kratos `web_hook` (post-persist, `response.parse: false`) with body
 * `function(ctx) { identity: ctx.identity }`. Publishes `KratosIdentityUpdated` and answers once confirmed.
 */
export function kratosRouter(deps: KratosRouteDeps): Router {
  const router = Router();
  router.post(
    ROUTES.kratosSync.path,
    jsonBody(deps.bodyLimitBytes, { beforeRead: [deps.auth.gate], beforeParse: [deps.auth.verify] }),
    async (req, res) => {
      const body: unknown = req.body;
      if (!validateSyncBody(body)) {
        throw new HttpError(422, 'invalid_identity', 'invalid Kratos identity', {
          body: toKratosErrorBody(validateSyncBody.errors),
        });
      }
      if (body.identity.id === NIL_UUID) {
        const text =
          'identity.id is the nil UUID: this hook runs before the identity is saved (response.parse: true). ' +
          'Point a hook without response.parse at /kratos/sync-identity, and use /kratos/validate-registration for checks.';
        throw new HttpError(422, 'identity_not_persisted', text, {
          body: { messages: [kratosMessage('#/', 4000001, text)] },
        });
      }
      const event = newCloudEvent({
        type: MessageType.KratosIdentityUpdated,
        id: syncEventId(req.headers['ory-webhook-trigger-id'], res.locals.webhookId),
        source: deps.source,
        subject: body.identity.id,
        data: { identity: body.identity },
        traceparent: res.locals.traceparent,
      });
      // A getter: the request's child logger is built only when publishing fails and there is something to log.
      const publishDeps = {
        ...deps,
        get logger() {
          return res.locals.log ?? deps.logger;
        },
      };
      await publishEvent(publishDeps, event, {
        exchange: messageRoutes.KratosIdentityUpdated.exchange,
        routingKey: messageRoutes.KratosIdentityUpdated.routingKey(event.data),
      });
      deps.onAccepted?.(ROUTES.kratosSync.path);
      res.status(200).json({ id: event.id });
    },
  );
  return router;
}
