import { deadQueueName, QUEUES, type BrokerAdmin, type Drain, type RawDelivery } from '@identity-relay/bus';
import type { Prisma, PrismaClient } from '@identity-relay/db';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { parseDeadLetter, type DeadLetterRecord } from './parse.js';

/** Every work queue's dead queue: `identity-sync.dead`, `subscribers.dead`, `notifier.dead`. */
export const DEAD_QUEUES: readonly string[] = Object.values(QUEUES).map(deadQueueName);

export interface DeadLetterArchiveDeps {
  admin: BrokerAdmin;
  prisma: PrismaClient;
  logger: Logger;
  registry: Registry;
  /** (default=DEAD_QUEUES) Dead queues to drain. */
  queues?: readonly string[];
  /** (default=20) Dead letters stored at once per queue. 1..65535. */
  prefetch?: number;
}

export interface DeadLetterArchive {
  start(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
  /** Stores one delivery; true when new, false when this dead letter was already archived. */
  store(delivery: RawDelivery): Promise<boolean>;
}

export function toCreateData(r: DeadLetterRecord): Prisma.DeadLetterCreateManyInput {
  return {
    ...r,
    headers: r.headers as Prisma.InputJsonObject,
    properties: r.properties as Prisma.InputJsonObject,
    body: new Uint8Array(r.body),
  };
}

/**
 * Drains the dead queues into `dead_letters`. A delivery is acked only once its row is committed;
 * the row's unique archive key makes a redelivered dead letter a no-op, so at-least-once delivery
 * from the broker becomes exactly one row.
 */
export function createDeadLetterArchive(deps: DeadLetterArchiveDeps): DeadLetterArchive {
  const archived = new Counter({
    name: 'identity_relay_dead_letters_archived_total',
    help: 'Dead letters drained from dead queues, by queue and result (stored, duplicate)',
    labelNames: ['queue', 'result'],
    registers: [deps.registry],
  });
  let drain: Drain | undefined;

  async function store(delivery: RawDelivery): Promise<boolean> {
    const record = parseDeadLetter(delivery);
    const { count } = await deps.prisma.deadLetter.createMany({
      data: [toCreateData(record)],
      skipDuplicates: true,
    });
    archived.inc({ queue: record.queue, result: count === 1 ? 'stored' : 'duplicate' });
    deps.logger.info(
      {
        queue: record.queue,
        messageId: record.messageId,
        type: record.messageType,
        fingerprint: record.fingerprint,
        duplicate: count === 0,
      },
      'dead letter archived',
    );
    return count === 1;
  }

  return {
    store,
    async start() {
      drain = await deps.admin.drain({
        queues: deps.queues ?? DEAD_QUEUES,
        prefetch: deps.prefetch,
        handler: async (d) => {
          await store(d);
        },
      });
    },
    async stop(graceMs) {
      await drain?.stop(graceMs);
      drain = undefined;
    },
  };
}
