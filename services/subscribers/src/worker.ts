import { QUEUES, type Bus, type Consumer, type IncomingMessage } from '@identity-relay/bus';
import {
  MessageType,
  validateMessage,
  type CloudEvent,
  type IdentityChangedData,
  type UnsubscribeRequestedData,
} from '@identity-relay/contracts';
import { inboxClaim, type PrismaClient } from '@identity-relay/db';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { applyUnsubscribe, type OptOutOutcome } from './opt-outs.js';
import { applyIdentityChanged, type ApplyOutcome } from './repository.js';
import type { ListRule } from './rules/types.js';

export const CONSUMER_NAME = 'subscribers';

export interface SubscribersDeps {
  prisma: PrismaClient;
  bus: Bus;
  logger: Logger;
  registry: Registry;
  /** Validated list rules (see `loadRules`). */
  rules: readonly ListRule[];
  config: { retryDelaysMs: readonly number[]; prefetch: number };
}

export interface SubscribersWorker {
  start(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
  /** Applies one IdentityChanged with the inbox guard; exposed for tests and replays. */
  apply(messageId: string, data: IdentityChangedData): Promise<ApplyOutcome | 'duplicate'>;
  /** Applies one UnsubscribeRequested with the inbox guard. */
  unsubscribe(
    messageId: string,
    requestedAt: string,
    data: UnsubscribeRequestedData,
  ): Promise<OptOutOutcome | 'duplicate'>;
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
    const outcome = await prisma.$transaction(async (tx) => {
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

  async function apply(messageId: string, data: IdentityChangedData): Promise<ApplyOutcome | 'duplicate'> {
    const outcome = await prisma.$transaction(async (tx) => {
      const claimed = await inboxClaim(tx, CONSUMER_NAME, [messageId]);
      if (!claimed.has(messageId)) return 'duplicate' as const;
      return applyIdentityChanged(tx, data, deps.rules);
    });
    if (outcome === 'duplicate' || !outcome.applied) {
      events.inc({ result: outcome === 'duplicate' ? 'duplicate' : 'stale' });
      return outcome;
    }
    events.inc({ result: 'applied' });
    for (const a of outcome.actions) changes.inc({ list: a.list, action: a.kind });
    return outcome;
  }

  async function onIdentityChanged(msg: IncomingMessage): Promise<void> {
    const event = msg.body as CloudEvent<IdentityChangedData>;
    const outcome = await apply(event.id, event.data);
    logger.debug(
      { messageId: event.id, identityId: event.data.identityId, version: event.data.version, outcome },
      'identity change applied to lists',
    );
  }

  return {
    apply,
    unsubscribe,
    async start() {
      consumer = await bus.consume({
        queue: QUEUES.subscribers,
        service: CONSUMER_NAME,
        prefetch: deps.config.prefetch,
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
