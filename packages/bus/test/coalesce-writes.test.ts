// Tripwire for the patch of amqplib's internals in src/coalesce-writes.ts. Real broker (own vhost), the
// installed amqplib. If this fails after an amqplib upgrade, its multiplexer changed: adapt the patch to it
// (and measure again with bench/coalesce-writes.ts) or drop it.
import type { Socket } from 'node:net';
import amqp, { type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { coalesceWrites } from '../src/coalesce-writes.js';
import { createTestVhost, type TestVhost } from '../src/testing.js';

let vhost: TestVhost;
let model: ChannelModel;
beforeAll(async () => {
  vhost = await createTestVhost();
  model = await amqp.connect(vhost.url);
});
afterAll(async () => {
  await model?.close();
  await vhost?.dispose();
});

/** Counts the socket's single and vectored writes (each one system call). */
function countWrites(socket: Socket) {
  const counts = { write: 0, writev: 0 };
  const write = socket._write.bind(socket);
  const writev = socket._writev!.bind(socket);
  socket._write = (...args) => (counts.write++, write(...args));
  socket._writev = (...args) => (counts.writev++, writev(...args));
  return counts;
}

test('amqplib still has the multiplexer shape the patch relies on, and the patch takes', () => {
  const connection = (
    model as unknown as { connection: { muxer?: { _readIncoming?: unknown; out?: unknown } } }
  ).connection;
  expect(typeof connection.muxer?._readIncoming).toBe('function');
  expect(connection.muxer?.out).toBe((connection as unknown as { stream: Socket }).stream);
  expect(coalesceWrites(model)).toBe(true);
  expect(coalesceWrites(model)).toBe(true); // idempotent
});

test('frames queued in one turn go out in one vectored write, all of them, in order', async () => {
  coalesceWrites(model);
  const socket = (model as unknown as { connection: { stream: Socket } }).connection.stream;
  const channel = await model.createConfirmChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true });
  const counts = countWrites(socket);
  const bodies = Array.from({ length: 200 }, (_, i) => Buffer.from(`message ${i}`));
  for (const body of bodies) channel.sendToQueue(queue, body); // 3 frames each, queued in this turn
  await channel.waitForConfirms();
  // Unpatched, amqplib writes each of the 600 frames with its own socket.write.
  expect(counts.writev).toBeGreaterThan(0);
  expect(counts.write + counts.writev).toBeLessThan(20);

  const received: string[] = [];
  await new Promise<void>((resolve) => {
    void channel.consume(
      queue,
      (msg) => {
        received.push(msg!.content.toString());
        if (received.length === bodies.length) resolve();
      },
      { noAck: true },
    );
  });
  expect(received).toEqual(bodies.map(String));
  await channel.close();
});

test('an object without that shape is left alone and reported', () => {
  expect(coalesceWrites({} as ChannelModel)).toBe(false);
  expect(coalesceWrites({ connection: { muxer: { out: {} } } } as unknown as ChannelModel)).toBe(false);
});
