export interface ReplayCacheOptions {
  /** (default=600000, milliseconds) How long an id is remembered: twice the signature tolerance, after which
   * the timestamp check refuses a replay anyway. */
  ttlMs?: number;
  /** (default=100000) Ids remembered at most; the oldest is forgotten first. */
  maxEntries?: number;
  /** (default=Date.now) Clock in milliseconds. */
  now?: () => number;
}

/**
 * Recently accepted Standard Webhooks ids, in this process's memory (bounded, with a TTL). With several
 * ingress replicas a replay that reaches another replica is not caught here; the event id is still
 * idempotent downstream, so a replay can at worst republish a message the inbox drops.
 */
export class ReplayCache {
  private readonly seenUntil = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(opts: ReplayCacheOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 600_000;
    this.maxEntries = opts.maxEntries ?? 100_000;
    if (!(this.ttlMs > 0)) throw new RangeError(`ttlMs must be > 0, got ${this.ttlMs}`);
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1)
      throw new RangeError(`maxEntries must be an integer >= 1, got ${this.maxEntries}`);
    this.now = opts.now ?? Date.now;
  }

  has(id: string): boolean {
    const until = this.seenUntil.get(id);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.seenUntil.delete(id);
    return false;
  }

  /**
   * Claims `id` for one request, atomically (check and record in one synchronous step): false when it was
   * already accepted or is being handled right now. Follow with `confirm` (accepted) or `release` (failed).
   */
  reserve(id: string): boolean {
    if (this.has(id)) return false;
    this.remember(id);
    return true;
  }

  /** The reserved request succeeded: the id stays refused for the TTL from now. */
  confirm(id: string): void {
    this.remember(id);
  }

  /** The reserved request failed (e.g. 503): the sender may retry with the same id. */
  release(id: string): void {
    this.seenUntil.delete(id);
  }

  remember(id: string): void {
    this.seenUntil.delete(id);
    this.seenUntil.set(id, this.now() + this.ttlMs);
    // Insertion order is expiry order (one TTL for all), so the first entries are the oldest.
    for (const [first, until] of this.seenUntil) {
      if (this.seenUntil.size <= this.maxEntries && until > this.now()) break;
      this.seenUntil.delete(first);
    }
  }
}
