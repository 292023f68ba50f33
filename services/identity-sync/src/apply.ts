import { randomUUID } from 'node:crypto';
import { inboxClaim, sqlTransaction, type PrismaClient, type SqlTx } from '@identity-relay/db';
import { keyOf, planBatch, type ApplyInput, type ApplyResult } from './batch-plan.js';
import { InsertRaceError, lockIdentities, writeBatch } from './repository.js';

type Tx = SqlTx;

/** A result per input, in input order; 'duplicate' for a message id already applied or repeated. */
export type ApplyResults = Array<ApplyResult | 'duplicate'>;

/**
 * The one way identity changes reach `identities` and `identity_events` — a single message is a batch of one.
 * In the caller's transaction, with three set-based statements (inbox claim, row locks, then rows and
 * events together): the inbox (ids already
 * processed, or repeated in the batch, are duplicates), row locks serialising each identity across replicas,
 * taken in one global order (the ORDER BY of the locking SELECT, then sorted inserts) so concurrent batches
 * cannot deadlock, the stale and tombstone rules and gap-free versions (batch-plan.ts), and one
 * history/outbox row per change. Throws `InsertRaceError` when another transaction created one of the new
 * identities first: use `applyInTransaction`, which applies again.
 */
export async function applyIdentityChanges(
  tx: Tx,
  consumer: string,
  inputs: readonly ApplyInput[],
): Promise<ApplyResults> {
  // Sorted, so two batches claiming the same ids wait on each other instead of deadlocking.
  const claimed = await inboxClaim(tx, consumer, [...new Set(inputs.map((i) => i.messageId))].sort());
  const fresh = inputs.filter((i) => claimed.has(i.messageId));
  const stored = fresh.length > 0 ? await lockIdentities(tx, [...new Set(fresh.map(keyOf))]) : new Map();
  const plan = planBatch(inputs, stored, claimed, randomUUID, new Date());
  await writeBatch(tx, [...plan.rows.values()], plan.events);
  return plan.results;
}

/**
 * (default=3) Transactions one `applyInTransaction` call may use. A lost insert race means the other
 * transaction has committed the row, so the next attempt locks and continues it; only a row created and
 * removed again in between (or a race on another identity of the batch) needs a further one.
 */
export const INSERT_RACE_ATTEMPTS = 3;

/**
 * Applies the changes in their own transaction, and again in a new one when an insert race was lost
 * (rolling back everything, the inbox claim included). After INSERT_RACE_ATTEMPTS the `InsertRaceError`
 * (transient) goes to the caller: the bus then retries the message with delay.
 */
export async function applyInTransaction(
  prisma: PrismaClient,
  consumer: string,
  inputs: readonly ApplyInput[],
  opts: { timeoutMs?: number; attempts?: number } = {},
): Promise<ApplyResults> {
  const attempts = opts.attempts ?? INSERT_RACE_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await sqlTransaction(prisma, (tx) => applyIdentityChanges(tx, consumer, inputs), {
        timeoutMs: opts.timeoutMs ?? 30_000,
      });
    } catch (error) {
      if (!(error instanceof InsertRaceError) || attempt >= attempts) throw error;
    }
  }
}
