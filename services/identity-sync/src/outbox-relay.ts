import {
  messageRoutes,
  MessageType,
  newCloudEvent,
  type IdentityChangedData,
} from '@identity-relay/contracts';
import type { Bus } from '@identity-relay/bus';
import { Prisma, sqlTransaction, type PrismaClient, type SqlTx } from '@identity-relay/db';
import type { Logger } from 'pino';

/** Arbitrary constant naming the relay's advisory lock: one relay publishes at a time, in commit order. */
const RELAY_LOCK_KEY = 72_410_001;

export type OutboxPublisher = Pick<Bus, 'publish'>;

export interface OutboxRelayOptions {
  prisma: PrismaClient;
  publisher: OutboxPublisher;
  logger: Logger;
  /** (default=500) Rows published per transaction. */
  batchSize?: number;
  /** (default=1000) Milliseconds between scans when nothing woke the relay; picks up other replicas' leftovers. */
  pollMs?: number;
  /** PUBLISH_TIMEOUT_MS: milliseconds to wait for each broker confirm. */
  publishTimeoutMs: number;
  source?: string;
}

/** The payload stays JSON text from the database to the broker: never parsed and re-serialised here. */
interface OutboxRow {
  id: string;
  data: string;
  identity_id: string;
  change: IdentityChangedData['change'];
  occurred_at: Date;
  traceparent: string | null;
}

/**
 * (default=250) Milliseconds one relay transaction keeps taking newly committed rows while its confirms are
 * outstanding; bounds how long its deleted rows stay uncommitted (and are republished after a crash).
 */
const EXTEND_MS = 250;

/**
 * Publishes the events of the outbox (`identity_outbox` → `identity_events`) as `IdentityChanged` with confirms,
 * deleting their outbox rows in the same transaction. A crash between confirm and commit republishes the batch:
 * consumers dedupe by message id.
 *
 * A wake while the transaction waits for its confirms takes the rows committed since, in the same transaction
 * (the relay lock is still held, so publishing order stays commit order and one identity's versions stay in
 * order), instead of after the commit and a new transaction: rows committed during a round no longer wait for
 * a whole further round.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollMs: number;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private pendingWake = false;

  constructor(private readonly opts: OutboxRelayOptions) {
    this.batchSize = opts.batchSize ?? 500;
    this.pollMs = opts.pollMs ?? 1000;
    if (!(this.batchSize >= 1 && this.batchSize <= 10_000))
      throw new RangeError('batchSize must be 1..10000');
    if (!(this.pollMs >= 10)) throw new RangeError('pollMs must be at least 10');
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Called after a commit that wrote outbox rows, so they go out without waiting for the next poll. */
  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  /**
   * One relay transaction; returns how many events it published (0 when another replica holds the relay
   * lock). At most batchSize rows; a failed publish rolls it all back and the rows are pending again.
   */
  async publishBatch(): Promise<number> {
    return sqlTransaction(
      this.opts.prisma,
      async (tx) => {
        const confirms: Promise<void>[] = [];
        const started = Date.now();
        let published = 0;
        for (;;) {
          this.pendingWake = false;
          const rows = await this.takeRows(tx, this.batchSize - published);
          // Pipelined: every publish is in flight at once; the channel keeps their order. A failure is
          // handled by the Promise.all below, however long the transaction still runs before reaching it.
          for (const row of rows) {
            const confirm = this.publishRow(row);
            confirm.catch(() => undefined);
            confirms.push(confirm);
          }
          published += rows.length;
          if (published === 0 || published >= this.batchSize || !this.running) break;
          if (!(await this.wokenBeforeConfirms(confirms, started + EXTEND_MS - Date.now()))) break;
        }
        await Promise.all(confirms);
        return published;
      },
      { timeoutMs: 60_000 },
    );
  }

  /**
   * One statement: the relay lock (evaluated once, before the first row; a transaction that holds it takes it
   * again), the oldest outbox rows in publishing order, deleted (so the history rows are never rewritten),
   * with their events' payloads. The source's trace context is kept in the payload (history) but is an
   * envelope attribute, not data.
   */
  private takeRows(tx: SqlTx, limit: number): Promise<OutboxRow[]> {
    return tx.query<OutboxRow>(Prisma.sql`
      WITH next AS (
        DELETE FROM identity_outbox o
        USING (SELECT created_at, event_id FROM identity_outbox
               WHERE (SELECT pg_try_advisory_xact_lock(${RELAY_LOCK_KEY}::bigint))
               ORDER BY created_at, event_id LIMIT ${limit}::int FOR UPDATE SKIP LOCKED) AS n
        WHERE o.created_at = n.created_at AND o.event_id = n.event_id
        RETURNING o.created_at, o.event_id)
      SELECT e.id, (e.payload - 'traceparent')::text AS data, e.payload->>'identityId' AS identity_id,
             e.payload->>'change' AS change, e.occurred_at, e.payload->>'traceparent' AS traceparent
      FROM next JOIN identity_events e ON e.id = next.event_id
      ORDER BY next.created_at, next.event_id`);
  }

  /**
   * Whether a wake came (or had come) before every confirm arrived, within `ms`. False once the confirms are
   * in, or one failed (the caller's Promise.all then throws it), or time ran out.
   */
  private async wokenBeforeConfirms(confirms: Promise<void>[], ms: number): Promise<boolean> {
    if (this.pendingWake) return ms > 0;
    if (ms <= 0) return false;
    const settled = Promise.all(confirms).then(
      () => false,
      () => false,
    );
    let timer: NodeJS.Timeout | undefined;
    const woken = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
      this.wakeUp = () => resolve(this.running);
    });
    try {
      return await Promise.race([settled, woken]);
    } finally {
      clearTimeout(timer);
      this.wakeUp = null;
    }
  }

  private publishRow(row: OutboxRow): Promise<void> {
    const event = newCloudEvent({
      type: MessageType.IdentityChanged,
      id: row.id,
      source: this.opts.source ?? 'identity-relay/identity-sync',
      subject: row.identity_id,
      time: row.occurred_at,
      data: null,
      ...(row.traceparent ? { traceparent: row.traceparent } : {}),
    });
    // The envelope is serialised by the contracts' own function, then the stored payload goes in as
    // `data` verbatim: the profile of a drain showed parsing and re-serialising it as a top cost.
    // `"data":null` occurs once: JSON.stringify escapes every quote inside string values. A function
    // replacement, so `$&` and the like in the payload are not read as replacement patterns.
    const json = JSON.stringify(event).replace('"data":null', () => `"data":${row.data}`);
    const body = Buffer.from(json, 'utf8');
    return this.opts.publisher.publish(
      {
        exchange: messageRoutes.IdentityChanged.exchange,
        routingKey: messageRoutes.IdentityChanged.routingKey({ change: row.change } as IdentityChangedData),
        messageId: event.id,
        type: event.type,
        body,
        timestamp: new Date(event.time),
        headers: row.traceparent ? { traceparent: row.traceparent } : undefined,
      },
      { timeoutMs: this.opts.publishTimeoutMs },
    );
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      this.pendingWake = false;
      let published = 0;
      try {
        published = await this.publishBatch();
        failures = 0;
      } catch (err) {
        failures++;
        this.opts.logger.warn({ err, failures }, 'outbox relay batch failed; will retry');
      }
      if (published === this.batchSize && this.running) continue;
      const delay = failures > 0 ? Math.min(this.pollMs * 2 ** Math.min(failures, 5), 30_000) : this.pollMs;
      if (!this.pendingWake || failures > 0) await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }
}
