import { QUEUES, type Bus, type Consumer, type IncomingMessage } from '@identity-relay/bus';
import {
  kratosToCanonical,
  MessageType,
  validateMessage,
  type CloudEvent,
  type KratosIdentityUpdatedData,
} from '@identity-relay/contracts';
import { inboxClaim, type PrismaClient } from '@identity-relay/db';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { createAuthentikClient, type AuthentikClient } from './authentik-client.js';
import { authentikUserChangedHandler } from './authentik-handler.js';
import { OutboxRelay } from './outbox-relay.js';
import { applyIdentityChange, type ApplyInput, type ApplyResult } from './repository.js';

export const CONSUMER_NAME = 'identity-sync';

export interface IdentitySyncDeps {
  prisma: PrismaClient;
  bus: Bus;
  logger: Logger;
  registry: Registry;
  config: {
    retryDelaysMs: readonly number[];
    prefetch: number;
    publishTimeoutMs: number;
    /** AUTHENTIK_URL / AUTHENTIK_TOKEN / AUTHENTIK_TIMEOUT_MS: user enrichment of AuthentikUserChanged. */
    authentikUrl?: string;
    authentikToken?: string;
    authentikTimeoutMs?: number;
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
  const { authentikUrl, authentikToken, authentikTimeoutMs } = deps.config;
  const authentik =
    deps.authentik !== undefined
      ? deps.authentik
      : authentikUrl && authentikToken
        ? createAuthentikClient({
            baseUrl: authentikUrl,
            token: authentikToken,
            timeoutMs: authentikTimeoutMs,
          })
        : null;

  async function apply(input: ApplyInput): Promise<ApplyResult | 'duplicate'> {
    const result = await prisma.$transaction(async (tx) => {
      const claimed = await inboxClaim(tx, CONSUMER_NAME, [input.messageId]);
      if (!claimed.has(input.messageId)) return 'duplicate' as const;
      return applyIdentityChange(tx, input);
    });
    if (result === 'duplicate') {
      applied.inc({ decision: 'duplicate' });
      return result;
    }
    const d = result.decision;
    applied.inc({ decision: d.action === 'ignore' ? d.reason : d.action });
    if (d.action !== 'ignore') relay.wake();
    return result;
  }

  async function onKratosIdentityUpdated(msg: IncomingMessage): Promise<void> {
    const event = msg.body as CloudEvent<KratosIdentityUpdatedData>;
    const result = await apply({
      messageId: event.id,
      occurredAt: event.time,
      change: { kind: 'upsert', identity: kratosToCanonical(event.data.identity, event.time) },
    });
    logger.debug({ messageId: event.id, result }, 'kratos identity applied');
  }

  return {
    apply,
    async start() {
      relay.start();
      consumer = await bus.consume({
        queue: QUEUES.identitySync,
        service: CONSUMER_NAME,
        prefetch: deps.config.prefetch,
        retryDelaysMs: deps.config.retryDelaysMs,
        validate: validateMessage,
        handlers: {
          [MessageType.KratosIdentityUpdated]: onKratosIdentityUpdated,
          [MessageType.AuthentikUserChanged]: authentikUserChangedHandler({
            client: authentik,
            apply,
            logger,
          }),
        },
      });
    },
    async stop(graceMs) {
      await consumer?.stop(graceMs);
      await relay.stop();
    },
  };
}
