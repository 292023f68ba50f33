import type { ChannelModel } from 'amqplib';
import type { Writable } from 'node:stream';

/** The parts of amqplib's connection internals this touches (lib/connection.js and lib/mux.js, amqplib 0.10–2.x). */
interface MuxLike {
  out: Writable;
  _readIncoming(): void;
  coalesced?: true;
}

/**
 * Makes amqplib write every frame queued in one turn of the event loop with one system call instead of one
 * each. amqplib queues frames per channel and its multiplexer copies them to the socket on setImmediate,
 * one `socket.write` per frame: under load that is one syscall per ack and per publish, which the
 * benchmarks showed as the largest single cost (writev/writeBuffer) of the workers. Corking the socket
 * around one multiplexer pass and uncorking right after sends the same bytes, in the same order, in the
 * same tick, as one writev.
 *
 * Internals may move in a future amqplib: when the shape is not there, nothing is changed.
 */
export function coalesceWrites(model: ChannelModel): boolean {
  const mux = (model as unknown as { connection?: { muxer?: MuxLike } }).connection?.muxer;
  if (!mux || typeof mux._readIncoming !== 'function' || typeof mux.out?.cork !== 'function') return false;
  if (mux.coalesced) return true;
  const readIncoming = mux._readIncoming.bind(mux);
  mux._readIncoming = () => {
    mux.out.cork();
    try {
      readIncoming();
    } finally {
      mux.out.uncork();
    }
  };
  mux.coalesced = true;
  return true;
}
