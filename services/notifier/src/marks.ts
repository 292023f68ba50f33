import type { DeliveryMark } from './claims.js';

/**
 * Coalesces delivery marks: the first mark waits for the end of the current event-loop turn, and while one
 * write is running the marks that arrive queue up; each batch goes out as one write. Each caller's promise
 * settles when its own mark is committed, so a lane that lets its next email be accepted only after that
 * keeps the duplicate window at one unmarked email per lane.
 *
 * Waiting for the end of the turn lets the lane that just got its reply hand its next email to the transport
 * before the write's own CPU work starts, and puts the results of every lane answered in the same turn into
 * one statement (fewer statements per email for the notifier and for Postgres).
 */
export class MarkWriter {
  private queue: Array<{ mark: DeliveryMark; resolve: () => void; reject: (err: unknown) => void }> = [];
  private writing = false;

  constructor(private readonly write: (marks: DeliveryMark[]) => Promise<void>) {}

  mark(mark: DeliveryMark): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ mark, resolve, reject });
      if (this.writing) return;
      this.writing = true;
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        await this.write(batch.map((b) => b.mark));
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.writing = false;
  }
}
