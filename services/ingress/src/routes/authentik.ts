import { Router } from 'express';
import { HttpError } from '@identity-relay/runtime';
import {
  messageRoutes,
  MessageType,
  newCloudEvent,
  type AuthentikUserChangedData,
  stableEventId,
} from '@identity-relay/contracts';
import { jsonBody } from '../http/json-body.js';
import type { RouteAuth } from '../http/route-auth.js';
import { sha256Hex } from '../ids.js';
import { publishEvent, type PublishDeps } from '../publish.js';
import { ROUTES } from '../route-table.js';
import { classifyAuthentikBody } from './authentik-classify.js';

export interface AuthentikRouteDeps extends PublishDeps {
  auth: RouteAuth;
  bodyLimitBytes: number;
  source: string;
  /** Counts events answered 2xx without publishing, by reason. */
  onIgnored?: (reason: string) => void;
}

/**
 * The idempotency key of one Authentik delivery. Authentik retries non-2xx and may send duplicates with no
 * id of its own, so: the event pk from the body mapping; else the Standard Webhooks id of a signing proxy;
 * else a hash of action, user pk and the event time — or, without a time, the exact body bytes (the default
 * body's summary carries the request id of the change, so it differs per event and repeats per retry).
 */
export function authentikEventId(
  data: AuthentikUserChangedData,
  rawBody: Buffer,
  webhookId?: string,
): string {
  if (data.eventId) return stableEventId('authentik:event', data.eventId);
  if (webhookId) return stableEventId('authentik:webhook-id', webhookId);
  const when = data.occurredAt ?? sha256Hex(rawBody);
  return stableEventId('authentik:change', `${data.action}:${data.pk}:${when}`);
}

/** `POST /authentik/webhook`: Authentik's notification transport (webhook mode). */
export function authentikRouter(deps: AuthentikRouteDeps): Router {
  const router = Router();
  router.post(
    ROUTES.authentik.path,
    jsonBody(deps.bodyLimitBytes, { beforeRead: [deps.auth.gate], beforeParse: [deps.auth.verify] }),
    async (req, res) => {
      const result = classifyAuthentikBody(req.body);
      if (result.kind === 'invalid') {
        throw new HttpError(422, 'invalid_body', 'invalid Authentik webhook body', { errors: result.errors });
      }
      if (result.kind === 'ignored') {
        deps.onIgnored?.(result.reason);
        res.locals.log.debug({ reason: result.reason }, 'authentik event ignored');
        res.status(200).json({ ignored: true, reason: result.reason });
        return;
      }
      const { data } = result;
      const event = newCloudEvent({
        type: MessageType.AuthentikUserChanged,
        id: authentikEventId(data, res.locals.rawBody ?? Buffer.alloc(0), res.locals.webhookId),
        source: deps.source,
        subject: String(data.pk),
        time: data.occurredAt ?? undefined,
        data,
        traceparent: res.locals.traceparent,
      });
      await publishEvent({ ...deps, logger: res.locals.log }, event, {
        exchange: messageRoutes.AuthentikUserChanged.exchange,
        routingKey: messageRoutes.AuthentikUserChanged.routingKey(event.data),
      });
      res.status(200).json({ id: event.id });
    },
  );
  return router;
}
