import {
  messageRoutes,
  MessageType,
  newCloudEvent,
  type IdentityChangedData,
} from '@identity-relay/contracts';
import type { Bus } from '@identity-relay/bus';
import { Prisma, sqlTransaction, type PrismaClient } from '@identity-relay/db';
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
 * Publishes the events of the outbox (`identity_outbox` → `identity_events`) as `IdentityChanged` with confirms,
 * deleting their outbox rows in the same transaction. A crash between confirm and commit republishes the batch:
 * consumers dedupe by message id.
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

  /** One scan; returns how many events it published (0 when another replica holds the relay lock). */
  async publishBatch(): Promise<number> {
    return sqlTransaction(
      this.opts.prisma,
      async (tx) => {
        // One statement: the relay lock (evaluated once, before the first row), the oldest outbox rows in
        // publishing order, deleted (so the history rows are never rewritten), with their events' payloads.
        // A failed publish rolls the transaction back and the rows are pending again.
        // The source's trace context is kept in the payload (history) but is an envelope attribute, not data.
        const rows = await tx.query<OutboxRow>(Prisma.sql`
          WITH next AS (
            DELETE FROM identity_outbox o
            USING (SELECT created_at, event_id FROM identity_outbox
                   WHERE (SELECT pg_try_advisory_xact_lock(${RELAY_LOCK_KEY}::bigint))
                   ORDER BY created_at, event_id LIMIT ${this.batchSize}::int FOR UPDATE SKIP LOCKED) AS n
            WHERE o.created_at = n.created_at AND o.event_id = n.event_id
            RETURNING o.created_at, o.event_id)
          SELECT e.id, (e.payload - 'traceparent')::text AS data, e.payload->>'identityId' AS identity_id,
                 e.payload->>'change' AS change, e.occurred_at, e.payload->>'traceparent' AS traceparent
          FROM next JOIN identity_events e ON e.id = next.event_id
          ORDER BY next.created_at, next.event_id`);
        if (rows.length === 0) return 0;
        // Pipelined: every publish is in flight at once; the channel keeps their order.
        await Promise.all(rows.map((row) => this.publishRow(row)));
        return rows.length;
      },
      { timeoutMs: 60_000 },
    );
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
