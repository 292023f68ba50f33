import { Counter, Histogram, type Registry } from 'prom-client';
import { isMessageType } from '@identity-relay/contracts';

/**
 * The `type` label of a message: one of the known message types, else `other`. The type comes from whoever
 * published the message, so using it raw would let anyone with publish rights (or a replayed dead letter)
 * create label values — and time series — without bound.
 */
export function typeLabel(type: string): string {
  return isMessageType(type) ? type : 'other';
}

/** The bus's Prometheus metrics; a no-op set when no registry is given. */
export interface BusMetrics {
  published(exchange: string, type: string): void;
  publishFailed(reason: string): void;
  consumed(queue: string, type: string, outcome: 'ack' | 'retry' | 'dead', seconds: number): void;
}

const NOOP: BusMetrics = {
  published: () => {},
  publishFailed: () => {},
  consumed: () => {},
};

/** Reuses metrics already in the registry, so two buses in one process (tests, CLIs) can share one. */
function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function histogram<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Histogram<L>;
  return new Histogram({
    name,
    help,
    labelNames,
    // Handlers do a transaction or an SMTP send: milliseconds to tens of seconds.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
}

export function createBusMetrics(registry: Registry | undefined): BusMetrics {
  if (!registry) return NOOP;
  const published = counter(
    registry,
    'identity_relay_messages_published_total',
    'Messages confirmed by the broker',
    ['exchange', 'type'],
  );
  const failures = counter(registry, 'identity_relay_publish_failures_total', 'Publishes not confirmed', [
    'reason',
  ]);
  const consumed = counter(
    registry,
    'identity_relay_messages_consumed_total',
    'Deliveries settled, by outcome',
    ['queue', 'type', 'outcome'],
  );
  const processing = histogram(
    registry,
    'identity_relay_message_processing_seconds',
    'Time from delivery to settlement, in seconds',
    ['queue', 'type'],
  );
  return {
    published: (exchange, type) => published.inc({ exchange, type: typeLabel(type) }),
    publishFailed: (reason) => failures.inc({ reason }),
    consumed: (queue, type, outcome, seconds) => {
      const label = typeLabel(type);
      consumed.inc({ queue, type: label, outcome });
      processing.observe({ queue, type: label }, seconds);
    },
  };
}
