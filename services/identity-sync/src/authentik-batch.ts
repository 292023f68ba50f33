import { deadLetter, PermanentError, retry, type BatchHandler, type Outcome } from '@identity-relay/bus';
import type { AuthentikClient } from './authentik-client.js';
import { authentikChange } from './authentik-handler.js';
import type { ApplyInput } from './batch-plan.js';

export interface AuthentikBatchDeps {
  client: AuthentikClient | null;
  /** Applies the changes in one transaction; throwing makes the bus handle the batch one message at a time. */
  applyBatch: (inputs: ApplyInput[]) => Promise<unknown>;
}

/**
 * `AuthentikUserChanged` in batches: the users of the batch are fetched from the API together (the client keeps
 * at most AUTHENTIK_CONCURRENCY calls in flight; the rest wait their turn), then all the changes commit in one
 * transaction. A message whose fetch failed settles on its own (transient → retry,
 * refused token → dead) while the others are applied.
 */
export function authentikBatchHandler(deps: AuthentikBatchDeps): BatchHandler {
  return async (msgs) => {
    const looked = await Promise.allSettled(msgs.map((m) => authentikChange(m, deps.client)));
    const inputs = looked.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (inputs.length > 0) await deps.applyBatch(inputs);
    return looked.map((r): Outcome | undefined =>
      r.status === 'fulfilled' ? undefined : outcomeOf(r.reason),
    );
  };
}

function outcomeOf(reason: unknown): Outcome {
  const error = reason instanceof Error ? reason : new Error(String(reason));
  return error instanceof PermanentError ? deadLetter(error) : retry(error);
}
