import type { Logger } from 'pino';
import { HttpError } from '@identity-relay/runtime';
import type { Bus } from '@identity-relay/bus';
import type { CloudEvent } from '@identity-relay/contracts';

/** The one thing the ingress needs from the bus: a publish that resolves only once the broker confirmed. */
export type ConfirmedPublisher = Pick<Bus, 'publish'>;

export interface PublishDeps {
  publisher: ConfirmedPublisher;
  publishTimeoutMs: number;
  logger: Logger;
}

/**
 * Publishes a CloudEvent and waits for the broker's confirm. Any failure (broker down, nack, unroutable,
 * timeout) becomes a 503 with Retry-After, which IdPs retry; the event id keeps a retried publish idempotent.
 */
export async function publishEvent(
  deps: PublishDeps,
  event: CloudEvent,
  route: { exchange: string; routingKey: string },
): Promise<void> {
  try {
    await deps.publisher.publish(
      {
        exchange: route.exchange,
        routingKey: route.routingKey,
        messageId: event.id,
        type: event.type,
        body: event,
        timestamp: new Date(event.time),
        headers: event.traceparent ? { traceparent: event.traceparent } : undefined,
      },
      { timeoutMs: deps.publishTimeoutMs },
    );
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'publish_failed';
    deps.logger.warn({ err, messageId: event.id, type: event.type, code }, 'publish not confirmed');
    throw new HttpError(
      503,
      'broker_unavailable',
      `message broker did not confirm the message (${code}); retry later`,
      { headers: { 'Retry-After': '5' }, cause: err },
    );
  }
}
