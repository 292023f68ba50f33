import { QUEUES, type Bus, type Consumer, type IncomingMessage } from '@identity-relay/bus';
import {
  MessageType,
  validateMessage,
  type CloudEvent,
  type IdentityChangedData,
  type UnsubscribeRequestedData,
} from '@identity-relay/contracts';
import { inboxClaim, sqlTransaction, type PrismaClient } from '@identity-relay/db';
import { variables } from '@identity-relay/runtime';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { applyUnsubscribe, type OptOutOutcome } from './opt-outs.js';
import { applyIdentityChanges, type ApplyOutcome } from './repository.js';
import type { ListRule } from './rules/types.js';

export const CONSUMER_NAME = 'subscribers';

/**
 * Most IdentityChanged in one transaction. A batch costs the same few statements whatever its size, but a
 * larger one holds its locks longer and a failed one is redone one message at a time.
 */
export const MAX_BATCH_SIZE = 50;
/** Prisma's 5 s default is too short for a batch on a loaded machine; a failed batch is redone one by one. */
const BATCH_TRANSACTION_TIMEOUT_MS = 30_000;

export interface SubscribersDeps {
  prisma: PrismaClient;
  bus: Bus;
  logger: Logger;
  registry: Registry;
  /** Validated list rules (see `loadRules`). */
  rules: readonly ListRule[];
  config: {
    retryDelaysMs: readonly number[];
    prefetch: number;
    /**
     * BATCH_SIZE (default=200, the variable's; at most MAX_BATCH_SIZE) IdentityChanged applied per transaction;
     * the consumer takes max(prefetch, 2 × batchSize) deliveries so one batch fills while the previous one
     * commits.
     */
    batchSize?: number;
    /** BATCH_WAIT_MS (default=10, the variable's) Milliseconds a partial batch waits for more messages. */
    batchWaitMs?: number;
  };
}

export interface SubscribersWorker {
  start(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
  /** Applies one IdentityChanged with the inbox guard; exposed for tests and replays. */
  apply(messageId: string, data: IdentityChangedData): Promise<ApplyOutcome | 'duplicate'>;
  /** Applies several in one transaction, as the consumer does with a batch; outcomes in input order. */
  applyBatch(items: ReadonlyArray<BatchItem>): Promise<Array<ApplyOutcome | 'duplicate'>>;
  /** Applies one UnsubscribeRequested with the inbox guard. */
  unsubscribe(
    messageId: string,
    requestedAt: string,
    data: UnsubscribeRequestedData,
  ): Promise<OptOutOutcome | 'duplicate'>;
}

export interface BatchItem {
  messageId: string;
  data: IdentityChangedData;
}

/**
 * Consumes IdentityChanged from the `subscribers` queue and keeps `subscribers` in line with the rules, and
 * UnsubscribeRequested (the public unsubscribe links) into `subscriber_opt_outs`, which the rules never undo.
 */
export function createSubscribersWorker(deps: SubscribersDeps): SubscribersWorker {
  const { prisma, bus, logger } = deps;
  const changes = new Counter({
    name: 'identity_relay_subscriber_changes_total',
    help: 'Subscriber list changes by list and action (insert, activate, unsubscribe)',
    labelNames: ['list', 'action'],
    registers: [deps.registry],
  });
  const events = new Counter({
    name: 'identity_relay_subscriber_events_total',
    help: 'IdentityChanged messages by result (applied, stale, duplicate)',
    labelNames: ['result'],
    registers: [deps.registry],
  });
  const optOuts = new Counter({
    name: 'identity_relay_subscriber_opt_outs_total',
    help: 'UnsubscribeRequested messages by result (recorded, kept, duplicate)',
    labelNames: ['result'],
    registers: [deps.registry],
  });
  let consumer: Consumer | null = null;

  async function unsubscribe(
    messageId: string,
    requestedAt: string,
    data: UnsubscribeRequestedData,
  ): Promise<OptOutOutcome | 'duplicate'> {
    const outcome = await sqlTransaction(prisma, async (tx) => {
      const claimed = await inboxClaim(tx, CONSUMER_NAME, [messageId]);
      if (!claimed.has(messageId)) return 'duplicate' as const;
      return applyUnsubscribe(tx, messageId, requestedAt, data);
    });
    optOuts.inc({ result: outcome });
    return outcome;
  }

  async function onUnsubscribeRequested(msg: IncomingMessage): Promise<void> {
    const event = msg.body as CloudEvent<UnsubscribeRequestedData>;
    const outcome = await unsubscribe(event.id, event.time, event.data);
    logger.info({ messageId: event.id, list: event.data.list, outcome }, 'unsubscribe applied');
  }

  /**
   * Applies IdentityChanged messages in one transaction — a single message is a batch of one — with the same
   * few statements whatever the batch's size (repository.ts): one inbox claim, one statement locking the
   * identities' version rows in id order, one locking their subscriber rows, then the end state written set
   * by set. Messages are planned in memory in delivery order, so a later one sees an earlier one's effects
   * and a newer version delivered first makes the older ones stale exactly as one at a time. One commit and a
   * handful of statements per batch instead of several per message: the subscribers were the largest CPU cost
   * per webhook of the whole pipeline (docs/benchmarks.md). A failed batch is retried one message at a time
   * by the bus.
   */
  async function applyAll(items: ReadonlyArray<BatchItem>): Promise<Array<ApplyOutcome | 'duplicate'>> {
    const outcomes = await sqlTransaction(
      prisma,
      async (tx) => {
        const claimed = await inboxClaim(
          tx,
          CONSUMER_NAME,
          items.map((i) => i.messageId),
        );
        // A message id repeated in the batch is applied once; its copies are duplicates.
        const fresh = items.map((item) => claimed.delete(item.messageId));
        const applied = await applyIdentityChanges(
          tx,
          items.filter((_, i) => fresh[i]).map((item) => item.data),
          deps.rules,
        );
        let next = 0;
        return items.map((_, i) => (fresh[i] ? applied[next++]! : ('duplicate' as const)));
      },
      { timeoutMs: BATCH_TRANSACTION_TIMEOUT_MS },
    );
    for (const outcome of outcomes) {
      if (outcome === 'duplicate' || !outcome.applied) {
        events.inc({ result: outcome === 'duplicate' ? 'duplicate' : 'stale' });
        continue;
      }
      events.inc({ result: 'applied' });
      for (const a of outcome.actions) changes.inc({ list: a.list, action: a.kind });
    }
    return outcomes;
  }

  async function apply(messageId: string, data: IdentityChangedData): Promise<ApplyOutcome | 'duplicate'> {
    const [outcome] = await applyAll([{ messageId, data }]);
    return outcome!;
  }

  function itemOf(msg: IncomingMessage): BatchItem {
    const event = msg.body as CloudEvent<IdentityChangedData>;
    return { messageId: event.id, data: event.data };
  }

  async function onIdentityChanged(msg: IncomingMessage): Promise<void> {
    const { messageId, data } = itemOf(msg);
    const outcome = await apply(messageId, data);
    logger.debug(
      { messageId, identityId: data.identityId, version: data.version, outcome },
      'identity change applied to lists',
    );
  }

  async function onIdentityChangedBatch(msgs: readonly IncomingMessage[]): Promise<void> {
    await applyAll(msgs.map(itemOf));
  }

  return {
    apply,
    applyBatch: applyAll,
    unsubscribe,
    async start() {
      const batchSize = Math.min(MAX_BATCH_SIZE, deps.config.batchSize ?? variables.BATCH_SIZE.default);
      consumer = await bus.consumeBatch({
        queue: QUEUES.subscribers,
        service: CONSUMER_NAME,
        prefetch: Math.min(65_535, Math.max(deps.config.prefetch, 2 * batchSize)),
        batchSize,
        batchWaitMs: deps.config.batchWaitMs ?? variables.BATCH_WAIT_MS.default,
        batchHandlers: { [MessageType.IdentityChanged]: onIdentityChangedBatch },
        retryDelaysMs: deps.config.retryDelaysMs,
        validate: validateMessage,
        handlers: {
          [MessageType.IdentityChanged]: onIdentityChanged,
          [MessageType.UnsubscribeRequested]: onUnsubscribeRequested,
        },
      });
    },
    async stop(graceMs) {
      await consumer?.stop(graceMs);
    },
  };
}
