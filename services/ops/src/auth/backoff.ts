/** (milliseconds) The first wait after a failed fetch from the identity provider. */
const FIRST_BACKOFF_MS = 1_000;
/** (milliseconds) The longest wait: doubling stops here. */
const MAX_BACKOFF_MS = 60_000;

/**
 * How long to leave an unreachable identity provider alone: after a failed discovery or key fetch nothing is
 * fetched again until the backoff (1 s, doubling to 60 s) has passed, so a flood of tokens or sign-ins while the
 * issuer is down costs one fetch per backoff, and callers get 503 with Retry-After meanwhile. A success resets it.
 */
export class FetchBackoff {
  private failures = 0;
  private retryAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Whole seconds until the next fetch may be tried; 0 when it may be tried now. */
  waitSeconds(): number {
    const left = this.retryAt - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  failed(): void {
    this.failures += 1;
    this.retryAt = this.now() + Math.min(FIRST_BACKOFF_MS * 2 ** (this.failures - 1), MAX_BACKOFF_MS);
  }

  succeeded(): void {
    this.failures = 0;
    this.retryAt = 0;
  }
}
