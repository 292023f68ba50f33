import { IdpUnauthorizedError, IdpUnavailableError } from '../errors.js';

/** What one failed IdP call was: transient (retry), refused credentials, gone (404) or anything else. */
export type CallFailure = { kind: 'transient' | 'unauthorized' | 'not-found' | 'bad'; status?: number };

/** (attempts=4, backoff 250 ms × 4^n) Retries transient failures of one IdP call; other failures throw at once. */
export async function withRetries<T>(
  what: string,
  call: () => Promise<T>,
  classify: (err: unknown) => CallFailure,
  attempts = 4,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const failure = classify(err);
      const status = failure.status === undefined ? '' : ` (HTTP ${failure.status})`;
      if (failure.kind === 'unauthorized') {
        throw new IdpUnauthorizedError(
          `${what} was refused${status}: check the admin URL's token and its permissions`,
        );
      }
      if (failure.kind !== 'transient' || attempt >= attempts) {
        throw new IdpUnavailableError(
          `${what} failed${status}${attempt > 1 ? ` after ${attempt} attempts` : ''}`,
          err,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * 4 ** (attempt - 1)));
    }
  }
}

/** HTTP status → failure kind, shared by both IdPs' clients. */
export function failureOfStatus(status: number | undefined): CallFailure {
  if (status === undefined) return { kind: 'transient' };
  if (status === 401 || status === 403) return { kind: 'unauthorized', status };
  if (status === 404) return { kind: 'not-found', status };
  if (status === 408 || status === 429 || status >= 500) return { kind: 'transient', status };
  return { kind: 'bad', status };
}
