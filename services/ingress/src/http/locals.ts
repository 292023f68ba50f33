import type { Logger } from 'pino';

// What the ingress middlewares leave on `res.locals` for the handlers after them.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** The request's id: the caller's `X-Request-Id` when usable, else a new UUID. */
      requestId: string;
      /** W3C `traceparent` of this request: the caller's trace id (or a new one) and this hop's span id. */
      traceparent: string;
      /** The service logger bound to this request's id and trace context. */
      log: Logger;
      /** The body bytes exactly as received (set by `jsonBody`), for signatures and idempotency keys. */
      rawBody?: Buffer;
      /** How the request was authenticated, once it was. */
      authenticatedBy?: 'credential' | 'signature';
      /** The Standard Webhooks `webhook-id` of a verified signed request. */
      webhookId?: string;
    }
  }
}

export {};
