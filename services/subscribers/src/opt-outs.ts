import type { UnsubscribeRequestedData } from '@identity-relay/contracts';
import { Prisma, type SqlTx } from '@identity-relay/db';

type Tx = SqlTx;

/**
 * `recorded`: the person is now opted out of the list; `kept`: they already were (the first opt-out stays),
 * or an operator resubscribed them after this click was made (a late message does not undo that).
 */
export type OptOutOutcome = 'recorded' | 'kept';

/**
 * Records a person's opt-out of (`list`, `email`) inside the caller's transaction (which holds the inbox
 * claim). Opt-outs live beside the rule-derived `subscribers` rows, not in them: rules keep deciding who
 * belongs to a list, and the notifier skips whoever opted out, so a later trait change cannot resubscribe
 * anyone. Only an operator's resubscribe (ops) sets `resubscribed_at` and lifts it.
 */
export async function applyUnsubscribe(
  tx: Tx,
  messageId: string,
  requestedAt: string,
  data: UnsubscribeRequestedData,
): Promise<OptOutOutcome> {
  const at = new Date(requestedAt);
  const changed = await tx.execute(Prisma.sql`
    INSERT INTO subscriber_opt_outs (list, email, opted_out_at, method, source_message_id, updated_at)
    VALUES (${data.list}, ${data.email.toLowerCase()}, ${at}, ${data.method}, ${messageId}, now())
    ON CONFLICT (list, email) DO UPDATE SET opted_out_at = EXCLUDED.opted_out_at, method = EXCLUDED.method,
      source_message_id = EXCLUDED.source_message_id, resubscribed_at = NULL, resubscribed_by = NULL,
      updated_at = now()
    WHERE subscriber_opt_outs.resubscribed_at IS NOT NULL
      AND subscriber_opt_outs.resubscribed_at < EXCLUDED.opted_out_at`);
  return changed > 0 ? 'recorded' : 'kept';
}
