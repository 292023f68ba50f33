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
import { applyIdentityChanged, type ApplyOutcome } from './repository.js';
import type { ListRule } from './rules/types.js';

export const CONSUMER_NAME = 'subscribers';

/**
 * Most IdentityChanged in one transaction. Each still takes a handful of statements (version lock, rows,
 * writes), so the gain of a batch — one commit and one inbox claim instead of one per message — is nearly
 * all there at a few dozen, while a larger one holds its locks longer.
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
   * Applies IdentityChanged messages in one transaction — a single message is a batch of one — each through
   * the same inbox-guarded, version-aware steps as alone (repository.ts). One commit per batch instead of
   * one per message: the per-message transaction was the largest CPU cost per webhook of the whole
   * pipeline (docs/benchmarks.md). Identities are handled in one global order (by id), so two batches take
   * the version-row locks in the same order; one identity's messages keep their delivery order, so a newer
   * version delivered first makes the older ones stale exactly as one at a time. A failed batch is retried
   * one message at a time by the bus.
   */
  async function applyAll(items: ReadonlyArray<BatchItem>): Promise<Array<ApplyOutcome | 'duplicate'>> {
    const order = items
      .map((item, index) => ({ item, index }))
      .sort((a, b) => compare(a.item.data.identityId, b.item.data.identityId) || a.index - b.index);
    const outcomes = await sqlTransaction(
      prisma,
      async (tx) => {
        const claimed = await inboxClaim(
          tx,
          CONSUMER_NAME,
          items.map((i) => i.messageId),
        );
        const out = new Array<ApplyOutcome | 'duplicate'>(items.length);
        for (const { item, index } of order) {
          // A message id repeated in the batch is applied once; its copies are duplicates.
          out[index] = claimed.delete(item.messageId)
            ? await applyIdentityChanged(tx, item.data, deps.rules)
            : 'duplicate';
        }
        return out;
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

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
