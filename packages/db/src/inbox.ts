import { Prisma } from './generated/prisma/client.js';
import type { SqlTx } from './sql.js';

/**
 * Claims message ids for `consumer` in the caller's transaction (the inbox of an idempotent consumer).
 * Returns the ids claimed now; ids already processed (or repeated in `messageIds`) are not returned,
 * so the caller applies effects only for those. The claim commits or rolls back with the effects.
 * A concurrent transaction claiming the same id blocks until that one commits or rolls back.
 */
export async function inboxClaim(tx: SqlTx, consumer: string, messageIds: string[]): Promise<Set<string>> {
  const ids = [...new Set(messageIds)];
  if (ids.length === 0) return new Set();
  const rows = await tx.query<{ message_id: string }>(Prisma.sql`
    INSERT INTO "processed_messages" ("consumer", "message_id")
    SELECT ${consumer}, id FROM unnest(${ids}::text[]) AS id
    ON CONFLICT ("consumer", "message_id") DO NOTHING
    RETURNING "message_id"`);
  return new Set(rows.map((r) => r.message_id));
}
