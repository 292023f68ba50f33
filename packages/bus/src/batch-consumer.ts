import { checkConsumerOptions, QueueConsumer, type ConsumerDeps, type Delivery } from './consumer.js';
import { toError } from './errors.js';
import { decodeDelivery, type ConsumerOptions, type IncomingMessage } from './message.js';
import { DEFAULT_BATCH_WAIT_MS } from './limits.js';
import { intInRange } from './options.js';
import { ack, deadLetter, type Outcome } from './outcome.js';

/**
 * Handles many messages of one type at once (e.g. one database transaction for all of them). Returns
 * nothing to ack them all, or one outcome per message in the same order. Throwing makes the consumer
 * handle the same messages again one at a time with the single-message handler of their type, so one
 * poison message among them ends up alone in the dead queue and the others still succeed.
 */
export type BatchHandler = (
  messages: readonly IncomingMessage[],
) => Promise<ReadonlyArray<Outcome | void> | void>;

export interface BatchConsumerOptions extends ConsumerOptions {
  /**
   * Keyed by message type. Types listed here are collected into batches; every one of them must also
   * have a single-message handler in `handlers` (the fallback). Other types are handled one at a time.
   */
  batchHandlers: Record<string, BatchHandler>;
  /** (default=100) Most messages in one batch. 1..10000, and at most `prefetch` (a batch is filled from unacked deliveries). */
  batchSize?: number;
  /** (default=10) Milliseconds a partial batch waits for more deliveries before it is handled. 0..60000. */
  batchWaitMs?: number;
  /**
   * (default=2) Batches handled at once. 1..1000. While that many run, deliveries keep collecting and go
   * out as the next batch as soon as one finishes: under load batches grow instead of transactions multiplying.
   */
  batchConcurrency?: number;
}

export const DEFAULT_BATCH_SIZE = 100;
export { DEFAULT_BATCH_WAIT_MS };
export const DEFAULT_BATCH_CONCURRENCY = 2;

export interface CheckedBatchOptions {
  batchHandlers: Record<string, BatchHandler>;
  batchSize: number;
  batchWaitMs: number;
  batchConcurrency: number;
}

export function checkBatchOptions(opts: BatchConsumerOptions, prefetch: number): CheckedBatchOptions {
  const batchSize = intInRange(
    'batchSize',
    opts.batchSize,
    Math.min(DEFAULT_BATCH_SIZE, prefetch),
    1,
    10_000,
  );
  if (batchSize > prefetch) {
    throw new RangeError(
      `batchSize (${batchSize}) must not exceed prefetch (${prefetch}): a batch is filled from unacked deliveries`,
    );
  }
  const batchWaitMs = intInRange('batchWaitMs', opts.batchWaitMs, DEFAULT_BATCH_WAIT_MS, 0, 60_000);
  const batchConcurrency = intInRange(
    'batchConcurrency',
    opts.batchConcurrency,
    DEFAULT_BATCH_CONCURRENCY,
    1,
    1000,
  );
  for (const type of Object.keys(opts.batchHandlers)) {
    if (!Object.hasOwn(opts.handlers, type)) {
      throw new TypeError(`batch handler for "${type}" needs a single-message handler too (the fallback)`);
    }
  }
  return { batchHandlers: { ...opts.batchHandlers }, batchSize, batchWaitMs, batchConcurrency };
}

interface Waiting {
  delivery: Delivery;
  message: IncomingMessage;
  /** performance.now() at receipt. */
  started: number;
  /** Resolves the delivery's process() once it is settled, so in-flight tracking and stop() see it. */
  done: () => void;
}

/**
 * A QueueConsumer that collects deliveries of the batched types until `batchSize` are waiting or the
 * oldest has waited `batchWaitMs`, then hands them to the type's batch handler and settles each with the
 * same ack / retry copy / dead copy path as a single message. Up to prefetch / batchSize batches run at once.
 */
export class BatchQueueConsumer extends QueueConsumer {
  private readonly batch: CheckedBatchOptions;
  private waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = 0;

  constructor(opts: BatchConsumerOptions, deps: ConsumerDeps) {
    const checked = checkConsumerOptions(opts);
    const batch = checkBatchOptions(opts, checked.prefetch);
    super(checked, deps);
    this.batch = batch;
  }

  protected override async process(delivery: Delivery): Promise<void> {
    const started = performance.now();
    const { message, problem } = decodeDelivery(delivery.msg, this.options);
    if (problem || !Object.hasOwn(this.batch.batchHandlers, message.type)) {
      const outcome = problem ? deadLetter(problem) : await this.run(message);
      return this.finish(delivery, message, outcome, problem ? 'invalid' : message.type, started);
    }
    return new Promise<void>((done) => {
      this.waiting.push({ delivery, message, started, done });
      if (this.waiting.length >= this.batch.batchSize) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.batch.batchWaitMs);
    });
  }

  /** Starts batches while there is room; what is left waits for a running batch to finish. */
  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.waiting.length > 0 && this.running < this.batch.batchConcurrency) {
      const taken = this.waiting.splice(0, this.batch.batchSize);
      this.running++;
      void this.handle(taken).finally(() => {
        this.running--;
        for (const w of taken) w.done();
        // These have waited at least as long as the batch that just finished.
        if (this.waiting.length > 0) this.flush();
      });
    }
  }

  /** One batch: grouped by type in arrival order, each group through its batch handler. */
  private async handle(taken: Waiting[]): Promise<void> {
    const groups = new Map<string, Waiting[]>();
    for (const w of taken) {
      if (w.delivery.abandoned) continue;
      const group = groups.get(w.message.type);
      if (group) group.push(w);
      else groups.set(w.message.type, [w]);
    }
    for (const [type, group] of groups) await this.handleGroup(type, group);
  }

  private async handleGroup(type: string, group: Waiting[]): Promise<void> {
    let outcomes: ReadonlyArray<Outcome | void> | void;
    try {
      outcomes = await this.batch.batchHandlers[type]!(group.map((w) => w.message));
      if (outcomes && outcomes.length !== group.length) {
        throw new Error(`batch handler returned ${outcomes.length} outcomes for ${group.length} messages`);
      }
    } catch (err) {
      this.deps.logger.warn(
        { err: toError(err), queue: this.options.queue, type, size: group.length },
        'batch failed; handling its messages one at a time',
      );
      return this.oneByOne(type, group);
    }
    await Promise.all(
      group.map((w, i) => this.finish(w.delivery, w.message, outcomes?.[i] ?? ack(), type, w.started)),
    );
  }

  /** In arrival order, so several messages about one thing are applied in the order they came. */
  private async oneByOne(type: string, group: Waiting[]): Promise<void> {
    for (const w of group) {
      if (w.delivery.abandoned) continue;
      const outcome = await this.run(w.message);
      await this.finish(w.delivery, w.message, outcome, type, w.started);
    }
  }
}
