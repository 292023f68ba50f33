import {
  PermanentError,
  QUEUES,
  TransientError,
  type Bus,
  type Consumer,
  type IncomingMessage,
} from '@identity-relay/bus';
import {
  MessageType,
  TemplateError,
  validateMessage,
  type CloudEvent,
  type NotificationRequestedData,
} from '@identity-relay/contracts';
import type { PrismaClient } from '@identity-relay/db';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { mailDomain } from './mail/message-id.js';
import type { MailTransport } from './mail/types.js';
import pLimit from 'p-limit';
import { RateLimiter } from './pacing.js';
import { deliveryCounts, recordNotification } from './repository.js';
import { sendPending, type SenderDeps } from './sender.js';

export const CONSUMER_NAME = 'notifier';

export interface NotifierConfig {
  retryDelaysMs: readonly number[];
  prefetch: number;
  /** MAIL_FROM: the From header of every email; its domain is that of Message-IDs and List-Id. */
  mailFrom: string;
  /** PUBLIC_BASE_URL: unsubscribe links are `<publicBaseUrl>/unsubscribe/<token>`. */
  publicBaseUrl: string;
  /** UNSUBSCRIBE_SECRET: signs the unsubscribe tokens (the first of its comma-separated keys). */
  unsubscribeSecret: string;
  /** UNSUBSCRIBE_MAILTO: also offer `mailto:` in List-Unsubscribe. */
  unsubscribeMailto?: string;
  /** MAIL_RATE_PER_SECOND: most emails per second for this process. */
  mailRatePerSecond: number;
  /** SMTP_MAX_CONNECTIONS: emails in flight at once (pooled connections). */
  smtpMaxConnections: number;
  /** SMTP_TIMEOUT_MS: bounds one send. */
  smtpTimeoutMs: number;
  /**
   * (1..4, default 1) Sends in flight per SMTP connection. Above 1, the pool always has the next message queued
   * when a connection frees up (raw throughput), but the duplicate window grows to this many emails per
   * connection: a lane's send can be accepted while another lane's accepted send is not yet marked.
   */
  sendsPerConnection?: number;
  /** (1..1000, default 100) Pending deliveries a sending round claims per statement. */
  claimBatch?: number;
  /** (1000..600000 ms, default 10000) Lease of a claim; a crashed worker's claims are retaken after it. */
  claimLeaseMs?: number;
}

export interface NotifierDeps {
  prisma: PrismaClient;
  bus: Bus;
  logger: Logger;
  registry: Registry;
  /** The process's one mail transport (see `createMailTransport`); closed by the caller after `stop()`. */
  transport: MailTransport;
  config: NotifierConfig;
}

export interface NotifierWorker {
  start(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

/**
 * Consumes NotificationRequested: records it with one pending delivery per subscriber, then sends what is
 * pending. Throws a TransientError while deliveries stay pending, so the bus retries with delay and, once
 * the delays are used up, dead-letters the message into `notifier.dead` with the reason.
 */
export function createNotifierWorker(deps: NotifierDeps): NotifierWorker {
  const { prisma, bus, logger, config } = deps;
  const emails = new Counter({
    name: 'identity_relay_emails_total',
    help: 'Email send attempts by result (sent, recipient-permanent, recipient-transient, server)',
    labelNames: ['result', 'transport'],
    registers: [deps.registry],
  });
  const sendsPerConnection = config.sendsPerConnection ?? 1;
  if (!Number.isInteger(sendsPerConnection) || sendsPerConnection < 1 || sendsPerConnection > 4)
    throw new RangeError('sendsPerConnection must be an integer in 1..4');
  const lanes = config.smtpMaxConnections * sendsPerConnection;
  const domain = mailDomain(config.mailFrom);
  const sender: SenderDeps = {
    prisma,
    transport: deps.transport,
    logger,
    letter: {
      from: config.mailFrom,
      domain,
      unsubscribe: {
        baseUrl: config.publicBaseUrl.replace(/\/+$/, ''),
        secret: config.unsubscribeSecret,
        mailto: config.unsubscribeMailto,
      },
    },
    slots: pLimit(lanes),
    rate: new RateLimiter(config.mailRatePerSecond),
    concurrency: lanes,
    claimBatch: config.claimBatch,
    claimLeaseMs: config.claimLeaseMs,
    onResult: (result) => emails.inc({ result, transport: deps.transport.kind }),
    stopping: () => stopping,
  };
  let consumer: Consumer | null = null;
  // Set by stop(): running rounds stop starting sends, so a handler returns within one send instead of
  // mailing a whole list while the grace runs out (and the process exits mid-send, the duplicate window).
  let stopping = false;

  async function onNotificationRequested(msg: IncomingMessage): Promise<void> {
    const event = msg.body as CloudEvent<NotificationRequestedData>;
    const recorded = await recordNotification(prisma, event.id, event.time, event.data, domain);
    if (recorded.created)
      logger.info(
        { notificationId: event.id, list: event.data.list, recipients: recorded.recipients },
        'notification recorded',
      );
    const round = await sendPending({ id: event.id, ...event.data }, sender).catch((err: unknown) => {
      // The ingress refuses such templates; one published straight to the exchange cannot get better.
      if (err instanceof TemplateError)
        throw new PermanentError(`template does not parse: ${err.message}`, {
          code: 'TEMPLATE_INVALID',
          cause: err,
        });
      throw err;
    });
    if (round.deferred === 0 && !round.interrupted) {
      logger.info(
        { notificationId: event.id, sent: round.sent, failed: round.failed, skipped: round.skipped },
        'notification delivered',
      );
      return;
    }
    const { pending } = await deliveryCounts(prisma, event.id);
    const reason = round.serverError ?? round.lastError;
    if (round.interrupted && round.deferred === 0) {
      if (pending === 0) return;
      // The rest is sent by whichever replica takes the retry copy.
      throw new TransientError(
        `worker stopping with ${pending} of ${recorded.recipients} deliveries pending`,
        {
          code: 'SHUTTING_DOWN',
        },
      );
    }
    throw new TransientError(
      `${pending} of ${recorded.recipients} deliveries still pending after attempt ${msg.attempt}: ${reason?.message ?? 'unknown error'}`,
      { code: round.serverError ? 'SMTP_UNAVAILABLE' : 'RECIPIENTS_DEFERRED', cause: reason },
    );
  }

  return {
    async start() {
      consumer = await bus.consume({
        queue: QUEUES.notifier,
        service: CONSUMER_NAME,
        prefetch: config.prefetch,
        retryDelaysMs: config.retryDelaysMs,
        validate: validateMessage,
        handlers: { [MessageType.NotificationRequested]: onNotificationRequested },
      });
    },
    async stop(graceMs) {
      stopping = true;
      await consumer?.stop(graceMs);
    },
  };
}
