/**
 * When a round's claims were last known good: a claim or renewal sent at time `at` that then committed. No
 * send starts unless the lease has at least half its time left, so renewals that fail (database lost) stop
 * the round before another replica could take the same deliveries.
 */
export class Lease {
  private from: number;

  /**
   * @param ms (milliseconds) Length of the lease each claim and renewal grants.
   * @param now Monotonic clock in milliseconds (default `performance.now`).
   */
  constructor(
    readonly ms: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.from = now();
  }

  /** The clock reading to pass to `confirmed` once the claim or renewal sent now has committed. */
  stamp(): number {
    return this.now();
  }

  confirmed(at: number): void {
    this.from = Math.max(this.from, at);
  }

  /** True while more than half the lease is left: a send may start. */
  get fresh(): boolean {
    return this.now() - this.from < this.ms / 2;
  }
}
