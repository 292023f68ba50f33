import type { EventEmitter } from 'node:events';

/** Bound on waiting for the broker's close-ok, in milliseconds. */
export const CLOSE_TIMEOUT_MS = 5_000;

/**
 * Resolves when `closing` settles, when `target` emits 'close', or after `timeoutMs`, whichever is
 * first. Never rejects.
 *
 * amqplib's close() (channel or connection) only settles on the broker's close-ok: if the socket
 * dies while it waits (broker gone, network cut) the promise never settles, though the object does
 * emit 'close'. Without this, shutdown could hang forever.
 */
export function untilClosed(
  target: EventEmitter,
  closing: Promise<unknown>,
  timeoutMs = CLOSE_TIMEOUT_MS,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      target.removeListener('close', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    target.once('close', done);
    closing.then(done, done);
  });
}

/** Closes an amqplib channel or connection; see `untilClosed`. */
export function closeQuietly(
  closable: EventEmitter & { close(): Promise<void> },
  timeoutMs = CLOSE_TIMEOUT_MS,
): Promise<void> {
  let closing: Promise<void>;
  try {
    closing = closable.close();
  } catch (err) {
    closing = Promise.reject(err);
  }
  return untilClosed(closable, closing, timeoutMs);
}
