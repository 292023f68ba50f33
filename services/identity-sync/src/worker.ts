import { QUEUES, type Bus, type Consumer, type IncomingMessage } from '@identity-relay/bus';
import {
  kratosToCanonical,
  messageValidator,
  MessageType,
  validateMessage,
  type CloudEvent,
  type KratosIdentityUpdatedData,
} from '@identity-relay/contracts';
import type { PrismaClient } from '@identity-relay/db';
import { variables } from '@identity-relay/runtime';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { createAuthentikClient, type AuthentikClient } from './authentik-client.js';
import { authentikBatchHandler } from './authentik-batch.js';
import { authentikUserChangedHandler } from './authentik-handler.js';
import { applyInTransaction, type ApplyResults } from './apply.js';
import type { ApplyInput, ApplyResult } from './batch-plan.js';
import { deletionInput } from './deletion-input.js';
import { OutboxRelay } from './outbox-relay.js';

export const CONSUMER_NAME = 'identity-sync';

const CONSUMED_TYPES = [
  MessageType.KratosIdentityUpdated,
  MessageType.AuthentikUserChanged,
  MessageType.IdentityDeletionObserved,
] as const;

export interface IdentitySyncDeps {
  prisma: PrismaClient;
  bus: Bus;
  logger: Logger;
  registry: Registry;
  config: {
    retryDelaysMs: readonly number[];
    prefetch: number;
    publishTimeoutMs: number;
    /**
     * BATCH_SIZE (default=200, the variable's) Messages applied per transaction. The consumer takes
     * max(prefetch, 2 × batchSize) deliveries so one batch fills while the previous one commits.
     */
    batchSize?: number;
    /** BATCH_WAIT_MS (default=10, the variable's) Milliseconds a partial batch waits for more messages. */
    batchWaitMs?: number;
    /** AUTHENTIK_URL / AUTHENTIK_TOKEN / AUTHENTIK_TIMEOUT_MS: user enrichment of AuthentikUserChanged. */
    authentikUrl?: string;
    authentikToken?: string;
    authentikTimeoutMs?: number;
    /** AUTHENTIK_CONCURRENCY (default=8, 1..256) API calls in flight at once, single and batch paths together. */
    authentikConcurrency?: number;
  };
  /** (default=built from config, or none when unconfigured) The Authentik API client. */
  authentik?: AuthentikClient | null;
  /** (default=1000) Outbox poll interval in milliseconds. */
  outboxPollMs?: number;
}

export interface IdentitySyncWorker {
  start(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
  /** Applies one change with the inbox guard; exposed for tests and replays. */
  apply(input: ApplyInput): Promise<ApplyResult | 'duplicate'>;
}

export function createIdentitySyncWorker(deps: IdentitySyncDeps): IdentitySyncWorker {
  const { prisma, bus, logger } = deps;
  const applied = new Counter({
    name: 'identity_relay_identity_changes_total',
    help: 'Identity changes by decision (create, update, delete, stale, tombstoned, unchanged, duplicate)',
    labelNames: ['decision'],
    registers: [deps.registry],
  });
  const relay = new OutboxRelay({
    prisma,
    publisher: bus,
    logger,
    pollMs: deps.outboxPollMs,
    publishTimeoutMs: deps.config.publishTimeoutMs,
  });
  let consumer: Consumer | null = null;
  const { authentikUrl, authentikToken, authentikTimeoutMs, authentikConcurrency } = deps.config;
  const authentik =
    deps.authentik !== undefined
      ? deps.authentik
      : authentikUrl && authentikToken
        ? createAuthentikClient({
            baseUrl: authentikUrl,
            token: authentikToken,
            timeoutMs: authentikTimeoutMs,
            concurrency: authentikConcurrency,
          })
        : null;

  /** Applies the changes in one transaction (apply.ts: a single message is a batch of one), then counts them. */
  async function applyAll(inputs: readonly ApplyInput[]): Promise<ApplyResults> {
    const results = await applyInTransaction(prisma, CONSUMER_NAME, inputs);
    let changed = false;
    for (const result of results) {
      if (result === 'duplicate') {
        applied.inc({ decision: 'duplicate' });
        continue;
      }
      const d = result.decision;
      applied.inc({ decision: d.action === 'ignore' ? d.reason : d.action });
      changed ||= d.action !== 'ignore';
    }
    if (changed) relay.wake();
    return results;
  }

  async function apply(input: ApplyInput): Promise<ApplyResult | 'duplicate'> {
    const [result] = await applyAll([input]);
    return result!;
  }

  function kratosInput(msg: IncomingMessage): ApplyInput {
    const event = msg.body as CloudEvent<KratosIdentityUpdatedData>;
    return {
      messageId: event.id,
      occurredAt: event.time,
      change: { kind: 'upsert', identity: kratosToCanonical(event.data.identity, event.time) },
      traceparent: msg.traceparent,
    };
  }

  async function onKratosIdentityUpdated(msg: IncomingMessage): Promise<void> {
    const input = kratosInput(msg);
    const result = await apply(input);
    logger.debug(
      { messageId: input.messageId, traceparent: input.traceparent, result },
      'kratos identity applied',
    );
  }

  /** Many changes, one transaction; a failure makes the bus apply them one at a time. */
  async function applyBatch(inputs: ApplyInput[]): Promise<void> {
    await applyAll(inputs);
  }

  async function onKratosBatch(msgs: readonly IncomingMessage[]): Promise<void> {
    await applyBatch(msgs.map(kratosInput));
  }

  return {
    apply,
    async start() {
      // Loaded and compiled before the first delivery instead of by it: a replica started under load would
      // otherwise hold its first messages for the client's load and each schema's compilation.
      await authentik?.load();
      for (const type of CONSUMED_TYPES) messageValidator(type);
      relay.start();
      const batchSize = deps.config.batchSize ?? variables.BATCH_SIZE.default;
      consumer = await bus.consumeBatch({
        queue: QUEUES.identitySync,
        service: CONSUMER_NAME,
        prefetch: Math.min(65_535, Math.max(deps.config.prefetch, 2 * batchSize)),
        batchSize,
        batchWaitMs: deps.config.batchWaitMs ?? variables.BATCH_WAIT_MS.default,
        batchHandlers: {
          [MessageType.KratosIdentityUpdated]: onKratosBatch,
          [MessageType.AuthentikUserChanged]: authentikBatchHandler({ client: authentik, applyBatch }),
          [MessageType.IdentityDeletionObserved]: (msgs) => applyBatch(msgs.map(deletionInput)),
        },
        retryDelaysMs: deps.config.retryDelaysMs,
        validate: validateMessage,
        handlers: {
          [MessageType.KratosIdentityUpdated]: onKratosIdentityUpdated,
          [MessageType.AuthentikUserChanged]: authentikUserChangedHandler({
            client: authentik,
            apply,
            logger,
          }),
          [MessageType.IdentityDeletionObserved]: async (msg) => {
            await apply(deletionInput(msg));
          },
        },
      });
    },
    async stop(graceMs) {
      await consumer?.stop(graceMs);
      await relay.stop();
    },
  };
}
