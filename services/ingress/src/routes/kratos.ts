import { Router } from 'express';
import {
  compile,
  kratosSyncIdentityBodySchema,
  messageRoutes,
  MessageType,
  newCloudEvent,
  toKratosErrorBody,
  type KratosSyncIdentityBody,
} from '@identity-relay/contracts';
import { requireCredentials, type CredentialOptions } from '../http/auth.js';
import { HttpError } from '../http/errors.js';
import { jsonBody } from '../http/json-body.js';
import { publishEvent, type PublishDeps } from '../publish.js';

const validateSyncBody = compile<KratosSyncIdentityBody>(kratosSyncIdentityBodySchema);

export interface KratosRouteDeps extends PublishDeps {
  credentials: CredentialOptions;
  bodyLimitBytes: number;
  source: string;
  onAccepted?: (route: string) => void;
}

/** `POST /kratos/sync-identity`: Kratos `web_hook` with body `function(ctx) { identity: ctx.identity }`. */
export function kratosRouter(deps: KratosRouteDeps): Router {
  const router = Router();
  router.post(
    '/kratos/sync-identity',
    requireCredentials(deps.credentials),
    ...jsonBody(deps.bodyLimitBytes),
    async (req, res) => {
      const body: unknown = req.body;
      if (!validateSyncBody(body)) {
        throw new HttpError(
          422,
          'invalid_identity',
          'invalid Kratos identity',
          toKratosErrorBody(validateSyncBody.errors),
        );
      }
      const event = newCloudEvent({
        type: MessageType.KratosIdentityUpdated,
        source: deps.source,
        subject: body.identity.id,
        data: { identity: body.identity },
      });
      await publishEvent(deps, event, {
        exchange: messageRoutes.KratosIdentityUpdated.exchange,
        routingKey: messageRoutes.KratosIdentityUpdated.routingKey(event.data),
      });
      deps.onAccepted?.('/kratos/sync-identity');
      res.status(200).json({ id: event.id });
    },
  );
  return router;
}
