/** Spaces events at least `1000 / perSecond` ms apart, process-wide: the sending rate limit. */
export class RateLimiter {
  private nextAt = 0;
  private readonly intervalMs: number;

  /**
   * @param perSecond (1..100000) Most events per second.
   * @param now Monotonic clock in milliseconds (default `performance.now`).
   * @param sleep Waits the given milliseconds (default a timer).
   */
  constructor(
    perSecond: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    if (!Number.isInteger(perSecond) || perSecond < 1 || perSecond > 100_000)
      throw new RangeError('perSecond must be 1..100000');
    this.intervalMs = 1000 / perSecond;
  }

  /** Milliseconds the caller must wait for its slot (0 = go now); reserves the slot. */
  reserve(): number {
    const now = this.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.intervalMs;
    return at - now;
  }

  /**
   * Waits for the caller's slot. A wait under 1 ms is not taken: a timer cannot wait less than about 1 ms, so at
   * high rates lanes released together would each lose a whole millisecond. The slots stay reserved, so the
   * average rate holds; a burst can run ahead by at most 1 ms of slots.
   */
  async take(): Promise<void> {
    const wait = this.reserve();
    if (wait >= 1) await this.sleep(wait);
  }
}
