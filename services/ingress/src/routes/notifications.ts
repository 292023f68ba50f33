import { fieldProblems, HttpError } from '@identity-relay/runtime';
import { Router } from 'express';
import {
  compile,
  idempotentNotificationId,
  messageRoutes,
  MessageType,
  newCloudEvent,
  notificationRequestedDataSchema,
  templateProblems,
  type NotificationRequestedData,
} from '@identity-relay/contracts';
import { jsonBody } from '../http/json-body.js';
import type { AccessLimits } from '../http/rate-limit.js';
import { routeAuth } from '../http/route-auth.js';
import { publishEvent, type PublishDeps } from '../publish.js';
import { ROUTES } from '../route-table.js';

const validateRequest = compile<NotificationRequestedData>(notificationRequestedDataSchema);

/** Printable ASCII, 1..255 characters: what clients put in Idempotency-Key. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Ids recently confirmed per Idempotency-Key, so a retried request on this replica answers without publishing
 * again. Across replicas or restarts the same key still yields the same id, and the notifier records each
 * id once, so a second copy sends nothing.
 */
class RecentKeys {
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
  ) {}

  has(key: string, now = Date.now()): boolean {
    const at = this.seen.get(key);
    if (at === undefined) return false;
    if (now - at <= this.ttlMs) return true;
    this.seen.delete(key);
    return false;
  }

  add(key: string, now = Date.now()): void {
    this.seen.delete(key);
    this.seen.set(key, now);
    // Map keeps insertion order: the first entry is the oldest.
    while (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value!);
  }
}

export interface NotificationRouteDeps extends PublishDeps {
  /** NOTIFY_API_KEY, accepted as `X-Api-Key` or `Authorization: Bearer`. */
  apiKey: string | undefined;
  /** The ingress' failed-authentication limit and quotas, as on every other route. */
  limits: AccessLimits;
  bodyLimitBytes: number;
  source: string;
  /** (default=10000) Idempotency keys remembered by this replica. 1..1000000. */
  idempotencyCacheSize?: number;
  /** (default=86400000, one day) How long a key is remembered, in milliseconds. */
  idempotencyTtlMs?: number;
}

/** `POST /notifications`: `{topic, list, subject, text, html?}` → `NotificationRequested`, 202 `{id}` after confirm. */
export function notificationsRouter(deps: NotificationRouteDeps): Router {
  const size = deps.idempotencyCacheSize ?? 10_000;
  if (!Number.isInteger(size) || size < 1 || size > 1_000_000)
    throw new RangeError('idempotencyCacheSize must be 1..1000000');
  const recent = new RecentKeys(size, deps.idempotencyTtlMs ?? 86_400_000);
  const auth = routeAuth({
    name: 'notify',
    limits: deps.limits,
    credentials: { apiKey: deps.apiKey, apiKeyHeader: 'x-api-key', acceptBearer: true },
  });
  const router = Router();
  router.post(
    ROUTES.notifications.path,
    jsonBody(deps.bodyLimitBytes, { beforeRead: [auth.gate], beforeParse: [auth.verify] }),
    async (req, res) => {
      const key = req.get('idempotency-key');
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
        throw new HttpError(
          400,
          'invalid_idempotency_key',
          'Idempotency-Key must be 1 to 255 printable ASCII characters',
        );
      }
      const body: unknown = req.body;
      if (!validateRequest(body)) {
        throw new HttpError(422, 'invalid_notification', 'invalid notification request', {
          errors: fieldProblems(validateRequest.errors),
        });
      }
      // Templates are parsed here, once, so a broken one is the caller's 422 rather than a dead letter later.
      const problems = templateProblems(body);
      if (problems.length > 0) {
        throw new HttpError(422, 'invalid_template', 'template does not parse', { errors: problems });
      }
      const id = key === undefined ? undefined : idempotentNotificationId(key);
      if (id !== undefined && recent.has(id)) {
        res.status(202).json({ id });
        return;
      }
      const event = newCloudEvent({
        type: MessageType.NotificationRequested,
        source: deps.source,
        id,
        subject: body.list,
        data: body,
        traceparent: res.locals.traceparent,
      });
      await publishEvent(deps, event, {
        exchange: messageRoutes.NotificationRequested.exchange,
        routingKey: messageRoutes.NotificationRequested.routingKey(body),
      });
      if (id !== undefined) recent.add(id);
      res.status(202).json({ id: event.id });
    },
  );
  return router;
}
