import type { DeliveryMark } from './claims.js';

/**
 * Coalesces delivery marks: while one write is running, the marks that arrive queue up and go out together
 * in the next one. Each caller's promise settles when its own mark is committed, so a lane that lets its next
 * email be accepted only after that keeps the duplicate window at one unmarked email per lane.
 */
export class MarkWriter {
  private queue: Array<{ mark: DeliveryMark; resolve: () => void; reject: (err: unknown) => void }> = [];
  private writing = false;

  constructor(private readonly write: (marks: DeliveryMark[]) => Promise<void>) {}

  mark(mark: DeliveryMark): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ mark, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
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
