import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '@identity-relay/db';
import type { Logger } from 'pino';
import { TemplateError } from '@identity-relay/contracts';
import { Letter, traitsOf, type LetterOptions, type NotificationToSend, type Recipient } from './letter.js';
import { classifySmtpError, type SmtpFailure } from './mail/classify.js';
import type { MailTransport, OutgoingMail } from './mail/types.js';
import type { RateLimiter, Semaphore } from './pacing.js';
import {
  claimPending,
  markDeliveries,
  otherClaimsLapseIn,
  releaseClaims,
  renewClaims,
  type DeliveryUpdate,
  type PendingDelivery,
} from './claims.js';
import { MarkWriter } from './marks.js';
import { skipHeldBack, suppress } from './suppressions.js';

export type { NotificationToSend } from './letter.js';

export interface SenderDeps {
  prisma: PrismaClient;
  transport: MailTransport;
  logger: Logger;
  /** Sender, MAIL_FROM domain and unsubscribe links of every email. */
  letter: LetterOptions;
  /** Process-wide: bounds concurrent sends across all notifications. */
  slots: Semaphore;
  /** Process-wide sending rate. */
  rate: RateLimiter;
  /** How many sends of one notification run at once (≤ the semaphore's limit to be useful). */
  concurrency: number;
  /** (1..1000, default 100) Pending deliveries claimed per statement. */
  claimBatch?: number;
  /**
   * (1000..600000 ms, default 10000) Lease of a claim, renewed every third of it while the round runs. A
   * crashed round's deliveries wait this long before another round takes them.
   */
  claimLeaseMs?: number;
  onResult?: (result: 'sent' | SmtpFailure) => void;
  /** (default=never) True once the worker is stopping: no new send starts, the rest stays pending. */
  stopping?: () => boolean;
}

export interface RoundResult {
  sent: number;
  failed: number;
  /** Pending deliveries skipped without an SMTP attempt: suppressed address or opted out of the list. */
  skipped: number;
  /** Deliveries tried this round that stay pending (transient failures). */
  deferred: number;
  /** Set when the round stopped early because the server could not be used. */
  serverError?: Error;
  lastError?: Error;
  /** Set when the round ended early because the worker is stopping: deliveries may still be pending. */
  interrupted?: boolean;
}

const DEFAULT_CLAIM_BATCH = 100;
const DEFAULT_CLAIM_LEASE_MS = 10_000;

function checkedRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${name} must be an integer in ${min}..${max}`);
  return value;
}

/** The server's reply carried by nodemailer's error, e.g. `550 5.1.1 mailbox unavailable`. */
function smtpReply(err: Error): string | undefined {
  const { response } = err as { response?: unknown };
  return typeof response === 'string' && response.length > 0 ? response : undefined;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends every pending delivery of one notification once. The round claims pending deliveries in chunks (a
 * lease other replicas respect), sends them on `concurrency` lanes, and each lane waits for its result to be
 * committed (marks of all lanes are coalesced into one UPDATE) before it starts its next send. So a process
 * killed between the server's acceptance and that commit leaves at most one delivery per lane pending that
 * was in fact sent, and the next attempt sends it again: the one duplicate window, which the deterministic
 * Message-ID lets receivers collapse. Deliveries another round holds are waited for until their lease lapses.
 */
export async function sendPending(n: NotificationToSend, deps: SenderDeps): Promise<RoundResult> {
  const claimBatch = checkedRange('claimBatch', deps.claimBatch ?? DEFAULT_CLAIM_BATCH, 1, 1000);
  const leaseMs = checkedRange('claimLeaseMs', deps.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS, 1000, 600_000);
  // Parsed once per round; a template that does not parse throws here, before anything is claimed.
  const letter = new Letter(n, deps.letter);
  const result: RoundResult = { sent: 0, failed: 0, skipped: 0, deferred: 0 };
  result.skipped = await skipHeldBack(deps.prisma, n.id, n.list);
  const round = randomUUID();
  const marks = new MarkWriter((batch) => markDeliveries(deps.prisma, n.id, batch));
  const queue: Recipient[] = [];
  let refill: Promise<void> | null = null;
  let exhausted = false;
  let fatal: unknown;
  // When the round's leases were last known good (claim or renewal sent at this time and committed).
  let leaseFrom = performance.now();

  const stopping = (): boolean => {
    if (deps.stopping?.()) result.interrupted = true;
    return result.interrupted === true;
  };
  // No send starts unless the lease has at least half its time left: renewals that fail (database lost)
  // stop the round before another replica could take the same deliveries.
  const mayStart = (): boolean =>
    !result.serverError && fatal === undefined && !stopping() && performance.now() - leaseFrom < leaseMs / 2;

  const heartbeat = setInterval(() => {
    const at = performance.now();
    renewClaims(deps.prisma, round, leaseMs).then(
      () => (leaseFrom = Math.max(leaseFrom, at)),
      (err: unknown) => deps.logger.warn({ err, notificationId: n.id }, 'claim renewal failed'),
    );
  }, leaseMs / 3);
  heartbeat.unref();

  async function fill(): Promise<void> {
    const at = performance.now();
    const claimed = await claimPending(deps.prisma, n.id, round, claimBatch, leaseMs);
    if (claimed.length > 0) {
      leaseFrom = Math.max(leaseFrom, at);
      queue.push(...(letter.needsTraits ? await withTraits(claimed) : claimed));
      return;
    }
    const lapseIn = await otherClaimsLapseIn(deps.prisma, n.id, round);
    if (lapseIn === null) {
      exhausted = true;
      return;
    }
    // Another round (maybe a crashed one) holds the rest: try again when its lease may have lapsed.
    const until = performance.now() + Math.min(Math.max(lapseIn + 20, 50), leaseMs);
    while (performance.now() < until && !stopping()) await pause(Math.min(100, until - performance.now()));
  }

  async function withTraits(claimed: PendingDelivery[]): Promise<Recipient[]> {
    const ids = [...new Set(claimed.flatMap((d) => (d.identityId ? [d.identityId] : [])))];
    const traits = await traitsOf(deps.prisma, ids);
    return claimed.map((d) => ({ ...d, traits: (d.identityId && traits.get(d.identityId)) || {} }));
  }

  async function nextDelivery(): Promise<Recipient | null> {
    while (queue.length === 0) {
      if (exhausted || !mayStart()) return null;
      refill ??= fill().finally(() => (refill = null));
      await refill;
    }
    return mayStart() ? queue.shift()! : null;
  }

  async function lane(): Promise<void> {
    for (let d = await nextDelivery(); d; d = await nextDelivery()) {
      const delivery = d;
      await deps.slots.run(async () => {
        if (!mayStart()) return; // stays claimed; released below
        await deps.rate.take();
        if (!mayStart()) return;
        const update = await attempt(delivery);
        await marks.mark({ email: delivery.email, update });
        if (update.status === 'failed' && update.response !== undefined)
          await suppress(deps.prisma, n.id, [{ email: delivery.email, reason: update.response }]);
      });
    }
  }

  async function attempt(recipient: Recipient): Promise<DeliveryUpdate> {
    let mail: OutgoingMail;
    try {
      mail = letter.compose(recipient);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      // This recipient's data broke a render limit: nothing to retry, and not the address's fault.
      result.failed++;
      deps.logger.warn({ err, notificationId: n.id }, 'email not rendered');
      return { status: 'failed', error: err.message };
    }
    try {
      const receipt = await deps.transport.send(mail);
      result.sent++;
      deps.onResult?.('sent');
      return { status: 'sent', smtpMessageId: receipt.smtpMessageId, response: receipt.response };
    } catch (thrown) {
      const err = thrown instanceof Error ? thrown : new Error(String(thrown));
      const kind = classifySmtpError(err);
      deps.onResult?.(kind);
      result.lastError = err;
      deps.logger.warn({ err, notificationId: n.id, failure: kind }, 'email not sent');
      const response = smtpReply(err);
      if (kind === 'recipient-permanent') {
        // The server refused this address for good: suppressed for every later notification.
        result.failed++;
        return { status: 'failed', error: err.message, response: response ?? err.message };
      }
      result.deferred++;
      if (kind === 'server') result.serverError = err;
      return { status: 'pending', error: err.message, response };
    }
  }

  try {
    // Every lane settles before the claims are released: none may still be sending what is given back.
    const lanes = await Promise.allSettled(
      Array.from({ length: deps.concurrency }, () =>
        lane().catch((err: unknown) => {
          fatal ??= err;
          throw err;
        }),
      ),
    );
    const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failed) throw failed.reason;
    return result;
  } finally {
    clearInterval(heartbeat);
    await releaseClaims(deps.prisma, round).catch((err: unknown) =>
      deps.logger.warn({ err, notificationId: n.id }, 'releasing claims failed; they lapse with their lease'),
    );
  }
}
