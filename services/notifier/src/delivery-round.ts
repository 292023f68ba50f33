import type { Logger } from 'pino';
import { attemptDelivery, type Attempt } from './attempt.js';
import type { DeliveryUpdate, PendingDelivery } from './claims.js';
import { Lease } from './lease.js';
import type { Letter, Recipient } from './letter.js';
import type { SmtpFailure } from './mail/classify.js';
import type { MailTransport } from './mail/types.js';
import { MarkWriter } from './marks.js';
import type { RoundStore } from './round-store.js';

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

/** Runs a task once a process-wide sending slot is free (a p-limit style limiter). */
export type Slots = <T>(task: () => Promise<T>) => Promise<T>;

export interface RoundOptions {
  notificationId: string;
  store: RoundStore;
  letter: Letter;
  transport: MailTransport;
  logger: Logger;
  /** Process-wide: bounds concurrent sends across all notifications. */
  slots: Slots;
  /** Process-wide sending rate: resolves when the next send may start. */
  rate: { take(): Promise<void> };
  /** How many sends of this notification run at once (≤ the slots' limit to be useful). */
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
  /** Monotonic clock in milliseconds (default `performance.now`). */
  now?: () => number;
}

const DEFAULT_CLAIM_BATCH = 100;
const DEFAULT_CLAIM_LEASE_MS = 10_000;

function checkedRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${name} must be an integer in ${min}..${max}`);
  return value;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends every pending delivery of one notification once. The round claims pending deliveries in chunks (a
 * lease other replicas respect), sends them on `concurrency` lanes, and no lane's email can be accepted before
 * the lane's previous result is committed (marks of all lanes are coalesced into one write, which runs while
 * the next envelopes go out). So a process killed between the server's acceptance and that commit leaves at
 * most one delivery per lane pending that was in fact sent, and the next attempt sends it again: the one
 * duplicate window, which the deterministic Message-ID lets receivers collapse. Deliveries another round holds are waited for until their lease lapses.
 */
export class DeliveryRound {
  readonly result: RoundResult = { sent: 0, failed: 0, skipped: 0, deferred: 0 };
  private readonly claimBatch: number;
  private readonly lease: Lease;
  private readonly marks: MarkWriter;
  private readonly now: () => number;
  /** Claimed deliveries no lane has taken yet. */
  private readonly queue: Recipient[] = [];
  /** The claim in flight, which every lane with an empty queue waits for. */
  private refill: Promise<void> | null = null;
  /** Nothing pending is left unclaimed and no other round holds any. */
  private exhausted = false;
  /** The first error that ended a lane: no other lane starts a send after it. */
  private fatal: unknown;

  constructor(private readonly opts: RoundOptions) {
    this.claimBatch = checkedRange('claimBatch', opts.claimBatch ?? DEFAULT_CLAIM_BATCH, 1, 1000);
    const leaseMs = checkedRange('claimLeaseMs', opts.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS, 1000, 600_000);
    this.now = opts.now ?? (() => performance.now());
    this.lease = new Lease(leaseMs, this.now);
    this.marks = new MarkWriter((batch) => opts.store.mark(batch));
  }

  /** Runs the round once; rejects with the first lane's error after every lane has settled. */
  async run(): Promise<RoundResult> {
    this.result.skipped = await this.opts.store.skipHeldBack();
    const heartbeat = this.startHeartbeat();
    try {
      // Every lane settles before the claims are released: none may still be sending what is given back.
      const lanes = await Promise.allSettled(
        Array.from({ length: this.opts.concurrency }, () =>
          this.lane().catch((err: unknown) => {
            this.fatal ??= err;
            throw err;
          }),
        ),
      );
      const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
      if (failed) throw failed.reason;
      return this.result;
    } finally {
      clearInterval(heartbeat);
      await this.opts.store
        .release()
        .catch((err: unknown) => this.warn(err, 'releasing claims failed; they lapse with their lease'));
    }
  }

  private warn(err: unknown, msg: string, extra: Record<string, unknown> = {}): void {
    this.opts.logger.warn({ err, notificationId: this.opts.notificationId, ...extra }, msg);
  }

  private stopping(): boolean {
    if (this.opts.stopping?.()) this.result.interrupted = true;
    return this.result.interrupted === true;
  }

  private mayStart(): boolean {
    return !this.result.serverError && this.fatal === undefined && !this.stopping() && this.lease.fresh;
  }

  private startHeartbeat(): NodeJS.Timeout {
    const heartbeat = setInterval(() => {
      const at = this.lease.stamp();
      this.opts.store.renew(this.lease.ms).then(
        () => this.lease.confirmed(at),
        (err: unknown) => this.warn(err, 'claim renewal failed'),
      );
    }, this.lease.ms / 3);
    heartbeat.unref();
    return heartbeat;
  }

  /**
   * Sends claimed deliveries one after another. Each send's result is committed while the lane's next
   * send goes out, and that next email cannot be accepted before the commit (its end of data waits for it):
   * the envelope of one overlaps the mark of the other, and at most one accepted email per lane is unmarked.
   */
  private async lane(): Promise<void> {
    let recorded: Promise<void> = Promise.resolve();
    try {
      for (let d = await this.nextDelivery(); d; d = await this.nextDelivery()) {
        const recipient = d;
        const previous = recorded;
        recorded = (await this.opts.slots(() => this.deliver(recipient, previous))).recorded;
      }
    } catch (err) {
      await recorded.catch(() => undefined);
      throw err;
    }
    await recorded;
  }

  private async nextDelivery(): Promise<Recipient | null> {
    while (this.queue.length === 0) {
      if (this.exhausted || !this.mayStart()) return null;
      this.refill ??= this.fill().finally(() => (this.refill = null));
      await this.refill;
    }
    return this.mayStart() ? this.queue.shift()! : null;
  }

  private async fill(): Promise<void> {
    const at = this.lease.stamp();
    const claimed = await this.opts.store.claim(this.claimBatch, this.lease.ms);
    if (claimed.length > 0) {
      this.lease.confirmed(at);
      this.queue.push(...(this.opts.letter.needsTraits ? await this.withTraits(claimed) : claimed));
      return;
    }
    const lapseIn = await this.opts.store.otherClaimsLapseIn();
    if (lapseIn === null) this.exhausted = true;
    // Another round (maybe a crashed one) holds the rest: try again when its lease may have lapsed.
    else await this.waitWhileNotStopping(Math.min(Math.max(lapseIn + 20, 50), this.lease.ms));
  }

  private async waitWhileNotStopping(ms: number): Promise<void> {
    const until = this.now() + ms;
    while (this.now() < until && !this.stopping()) await pause(Math.min(100, until - this.now()));
  }

  private async withTraits(claimed: PendingDelivery[]): Promise<Recipient[]> {
    const ids = [...new Set(claimed.flatMap((d) => (d.identityId ? [d.identityId] : [])))];
    const traits = await this.opts.store.traitsOf(ids);
    return claimed.map((d) => ({ ...d, traits: (d.identityId && traits.get(d.identityId)) || {} }));
  }

  /**
   * One send in a process-wide slot, rate-limited, not accepted before `previous` (the lane's last result)
   * is committed; returns the commit of its own result, still running.
   */
  private async deliver(recipient: Recipient, previous: Promise<void>): Promise<{ recorded: Promise<void> }> {
    // Not sent: stays claimed, released at the end of the round.
    if (!this.mayStart()) return { recorded: previous };
    await this.opts.rate.take();
    if (!this.mayStart()) return { recorded: previous };
    const attempt = await attemptDelivery(this.opts.letter, this.opts.transport, recipient, previous);
    // A failed commit ends the lane; the send held behind it was abandoned before the end of its data.
    await previous;
    this.tally(attempt);
    const recorded = this.record(recipient.email, attempt.update);
    recorded.catch(() => undefined); // awaited by the lane; this keeps it from counting as unhandled meanwhile
    return { recorded };
  }

  /**
   * A refused address goes on the suppression list before its delivery is marked failed: whoever sees the
   * failure sees the suppression too, and a crash in between leaves the delivery pending, which the next
   * round then skips as suppressed.
   */
  private async record(email: string, update: DeliveryUpdate): Promise<void> {
    if (update.status === 'failed' && update.response !== undefined)
      await this.opts.store.suppress([{ email, reason: update.response }]);
    await this.marks.mark({ email, update });
  }

  private tally(attempt: Attempt): void {
    const { result } = this;
    if (attempt.outcome === 'unrendered') {
      result.failed++;
      this.warn(attempt.error, 'email not rendered');
      return;
    }
    this.opts.onResult?.(attempt.outcome);
    if (attempt.outcome === 'sent') {
      result.sent++;
      return;
    }
    result.lastError = attempt.error;
    this.warn(attempt.error, 'email not sent', { failure: attempt.outcome });
    if (attempt.outcome === 'recipient-permanent') result.failed++;
    else result.deferred++;
    if (attempt.outcome === 'server') result.serverError = attempt.error;
  }
}
