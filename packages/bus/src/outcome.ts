import { isPermanent, toError } from './errors.js';

/**
 * What a handler decided about one message. Returning an outcome is the explicit way; throwing
 * works too (`outcomeOfError`). A handler that returns nothing acks.
 */
export type Outcome = { kind: 'ack' } | { kind: 'retry'; error: Error } | { kind: 'dead'; error: Error };

export const ack = (): Outcome => ({ kind: 'ack' });
export const retry = (error: Error): Outcome => ({ kind: 'retry', error });
export const deadLetter = (error: Error): Outcome => ({ kind: 'dead', error });

/** A thrown PermanentError (or subclass) dead-letters; anything else is treated as transient. */
export function outcomeOfError(thrown: unknown): Outcome {
  const error = toError(thrown);
  return isPermanent(error) ? deadLetter(error) : retry(error);
}

/** What the runtime will do with a delivery once its outcome is known. */
export type Settlement =
  | { kind: 'ack' }
  | { kind: 'retry'; error: Error; delayMs: number; nextAttempt: number }
  | { kind: 'dead'; error: Error; attempts: number };

/**
 * The delay before attempt `attempt + 1`, or undefined when retries are exhausted. Attempt 1 (the
 * first delivery) failing uses the first delay, attempt 2 the second, and so on.
 */
export function retryDelayFor(attempt: number, retryDelaysMs: readonly number[]): number | undefined {
  return attempt >= 1 ? retryDelaysMs[attempt - 1] : undefined;
}

/** Turns an outcome into a settlement, dead-lettering a retry once the delays are used up. */
export function settle(outcome: Outcome, attempt: number, retryDelaysMs: readonly number[]): Settlement {
  if (outcome.kind === 'ack') return outcome;
  if (outcome.kind === 'dead') return { kind: 'dead', error: outcome.error, attempts: attempt };
  const delayMs = retryDelayFor(attempt, retryDelaysMs);
  if (delayMs === undefined) return { kind: 'dead', error: outcome.error, attempts: attempt };
  return { kind: 'retry', error: outcome.error, delayMs, nextAttempt: attempt + 1 };
}
