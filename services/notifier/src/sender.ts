import type { PrismaClient } from '@identity-relay/db';
import type { Logger } from 'pino';
import { classifySmtpError, type SmtpFailure } from './mail/classify.js';
import { headerSafeId } from './mail/message-id.js';
import type { MailTransport, OutgoingMail } from './mail/types.js';
import type { RateLimiter, Semaphore } from './pacing.js';
import { lockNextPending, updateDelivery, type DeliveryUpdate, type PendingDelivery } from './repository.js';

/** A recorded notification with the bodies its emails carry. */
export interface NotificationToSend {
  id: string;
  topic: string;
  subject: string;
  text: string;
  html?: string | null;
}

export interface SenderDeps {
  prisma: PrismaClient;
  transport: MailTransport;
  logger: Logger;
  from: string;
  /** Process-wide: bounds concurrent sends (and so open transactions) across all notifications. */
  slots: Semaphore;
  /** Process-wide sending rate. */
  rate: RateLimiter;
  /** How many sends of one notification run at once (≤ the semaphore's limit to be useful). */
  concurrency: number;
  /** Longest a send's transaction may stay open, in milliseconds (SMTP timeout plus a margin). */
  transactionTimeoutMs: number;
  onResult?: (result: 'sent' | SmtpFailure) => void;
  /** (default=never) True once the worker is stopping: no new send starts, the rest stays pending. */
  stopping?: () => boolean;
}

export interface RoundResult {
  sent: number;
  failed: number;
  /** Deliveries tried this round that stay pending (transient failures). */
  deferred: number;
  /** Set when the round stopped early because the server could not be used. */
  serverError?: Error;
  lastError?: Error;
  /** Set when the round ended early because the worker is stopping: deliveries may still be pending. */
  interrupted?: boolean;
}

function mailFor(n: NotificationToSend, d: PendingDelivery, from: string): OutgoingMail {
  return {
    from,
    to: d.email,
    subject: n.subject,
    text: n.text,
    html: n.html,
    messageId: d.messageId,
    headers: {
      'X-Notification-Id': headerSafeId(n.id),
      'X-Notification-Topic': n.topic,
      'Auto-Submitted': 'auto-generated',
    },
  };
}

/**
 * Sends every pending delivery of one notification once. Each delivery is one transaction: lock the row
 * (other replicas skip it), send, mark it sent/failed/still pending, commit. A process killed between the
 * server's acceptance and that commit leaves the row pending, and the next attempt sends it again: the one
 * duplicate window, which the deterministic Message-ID lets receivers collapse.
 */
export async function sendPending(n: NotificationToSend, deps: SenderDeps): Promise<RoundResult> {
  const result: RoundResult = { sent: 0, failed: 0, deferred: 0 };
  const tried = new Set<string>();

  // Checked again after waiting for a slot: a stopping worker lets running sends finish and starts none.
  const stopping = (): boolean => {
    if (deps.stopping?.()) result.interrupted = true;
    return result.interrupted === true;
  };

  async function sendOne(): Promise<boolean> {
    return deps.slots.run(async () =>
      stopping()
        ? false
        : deps.prisma.$transaction(
            async (tx) => {
              const delivery = await lockNextPending(tx, n.id, [...tried]);
              if (!delivery) return false;
              tried.add(delivery.email);
              await deps.rate.take();
              const update = await attempt(mailFor(n, delivery, deps.from));
              await updateDelivery(tx, n.id, delivery.email, update);
              return true;
            },
            { timeout: deps.transactionTimeoutMs, maxWait: deps.transactionTimeoutMs },
          ),
    );
  }

  async function attempt(mail: OutgoingMail): Promise<DeliveryUpdate> {
    try {
      const receipt = await deps.transport.send(mail);
      result.sent++;
      deps.onResult?.('sent');
      return { status: 'sent', smtpMessageId: receipt.smtpMessageId };
    } catch (thrown) {
      const err = thrown instanceof Error ? thrown : new Error(String(thrown));
      const kind = classifySmtpError(err);
      deps.onResult?.(kind);
      result.lastError = err;
      deps.logger.warn({ err, notificationId: n.id, failure: kind }, 'email not sent');
      if (kind === 'recipient-permanent') {
        result.failed++;
        return { status: 'failed', error: err.message };
      }
      result.deferred++;
      if (kind === 'server') result.serverError = err;
      return { status: 'pending', error: err.message };
    }
  }

  async function lane(): Promise<void> {
    while (!result.serverError && !stopping() && (await sendOne()));
  }
  await Promise.all(Array.from({ length: deps.concurrency }, lane));
  return result;
}
