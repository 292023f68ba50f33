import type pg from 'pg';
import { QUEUES, retryQueueName, type BrokerAdmin } from '@identity-relay/bus';
import type { Ledger } from './ledger.js';

export interface SettleOptions {
  db: pg.Pool;
  admin: BrokerAdmin;
  ledger: Ledger;
  retryDelaysMs: readonly number[];
  subscribers: boolean;
  mail: boolean;
  timeoutMs: number;
}

/** What is still outstanding; all zero once the system has caught up. */
export interface Backlog {
  unapplied: number;
  unpublished: number;
  unsubscribed: number;
  unmailed: number;
  queued: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function count(db: pg.Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(sql, params);
  return rows[0]!.n;
}

export async function backlog(o: SettleOptions): Promise<Backlog> {
  const accepted = [...o.ledger.acceptedIds()];
  const notifications = o.ledger.notifications.filter((n) => n.accepted).map((n) => n.id);
  const applied = await count(
    o.db,
    `SELECT count(*)::int AS n FROM processed_messages WHERE consumer = 'identity-sync' AND message_id = ANY($1::text[])`,
    [accepted],
  );
  const unpublished = await count(o.db, 'SELECT count(*)::int AS n FROM identity_outbox');
  const unsubscribed = o.subscribers
    ? await count(
        o.db,
        `SELECT count(*)::int AS n FROM identity_events e WHERE e.version IS NOT NULL AND NOT EXISTS
           (SELECT 1 FROM processed_messages p WHERE p.consumer = 'subscribers' AND p.message_id = e.id::text)`,
      )
    : 0;
  const unmailed = o.mail
    ? notifications.length -
      (await count(o.db, 'SELECT count(*)::int AS n FROM notifications WHERE id = ANY($1::text[])', [
        notifications,
      ])) +
      (await count(o.db, `SELECT count(*)::int AS n FROM email_deliveries WHERE status = 'pending'`))
    : 0;
  const queues = Object.values(QUEUES).flatMap((q) => [
    q,
    ...o.retryDelaysMs.map((d) => retryQueueName(q, d)),
  ]);
  const depths = await o.admin.queueDepths([...new Set(queues)]);
  return {
    unapplied: accepted.length - applied,
    unpublished,
    unsubscribed,
    unmailed,
    queued: depths.reduce((s, d) => s + d.messages, 0),
  };
}

const caughtUp = (b: Backlog) => Object.values(b).every((v) => v === 0);

/**
 * Waits until everything accepted has gone all the way through and every queue is empty, twice in a row
 * one second apart (a message being handled is in no queue yet not applied either). Returns the backlog
 * left at the timeout, which the checks then report as losses.
 */
export async function settle(o: SettleOptions): Promise<{ ms: number; backlog: Backlog }> {
  const started = Date.now();
  let streak = 0;
  for (;;) {
    let b: Backlog | undefined;
    try {
      b = await backlog(o);
    } catch {
      b = undefined; // the broker or database is still coming back
    }
    streak = b && caughtUp(b) ? streak + 1 : 0;
    if (streak >= 2 || (b && Date.now() - started > o.timeoutMs))
      return { ms: Date.now() - started, backlog: b ?? (await backlog(o)) };
    await sleep(streak > 0 ? 1_000 : 250);
  }
}
