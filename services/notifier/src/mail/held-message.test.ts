import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect, test } from 'vitest';
import { HeldMessage } from './held-message.js';

/** What `held` passes on from `parts`, chunk by chunk, and when it ends. */
async function through(held: HeldMessage, parts: string[]) {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c: Buffer) => chunks.push(c.toString()));
  const done = pipeline(Readable.from(parts.map((p) => Buffer.from(p))), held, out);
  return { chunks, done };
}

test('a message leaves as one chunk', async () => {
  const { chunks, done } = await through(new HeldMessage(), ['Subject: a\r\n', '\r\n', 'body\r\n']);
  await done;
  expect(chunks).toEqual(['Subject: a\r\n\r\nbody\r\n']);
});

test('nothing leaves before acceptAfter resolves', async () => {
  let release!: () => void;
  const { chunks, done } = await through(
    new HeldMessage(new Promise<void>((resolve) => (release = resolve))),
    ['a', 'b'],
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(chunks).toEqual([]);
  release();
  await done;
  expect(chunks).toEqual(['ab']);
});

test('a rejected acceptAfter fails the stream with its error and nothing leaves', async () => {
  const { chunks, done } = await through(new HeldMessage(Promise.reject(new Error('mark lost'))), ['a']);
  await expect(done).rejects.toThrow('mark lost');
  expect(chunks).toEqual([]);
});
