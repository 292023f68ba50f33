// Unit: MarkWriter's batching, with a scripted write; no database.
import { expect, test } from 'vitest';
import type { DeliveryMark } from './claims.js';
import { MarkWriter } from './marks.js';

const sent = (email: string): DeliveryMark => ({
  email,
  update: { status: 'sent', smtpMessageId: `q-${email}` },
});

test('marks made in one turn go out in one write; those made while it runs, in the next', async () => {
  const writes: string[][] = [];
  let finishFirst!: () => void;
  const writer = new MarkWriter(async (marks) => {
    writes.push(marks.map((m) => m.email));
    if (writes.length === 1) await new Promise<void>((resolve) => (finishFirst = resolve));
  });
  const first = [writer.mark(sent('a')), writer.mark(sent('b'))];
  await new Promise((resolve) => setImmediate(resolve));
  expect(writes).toEqual([['a', 'b']]);
  const later = [writer.mark(sent('c')), writer.mark(sent('d'))];
  let firstDone = false;
  void Promise.all(first).then(() => (firstDone = true));
  await new Promise((resolve) => setImmediate(resolve));
  expect(firstDone).toBe(false); // settles only once its write has committed
  finishFirst();
  await Promise.all([...first, ...later]);
  expect(writes).toEqual([
    ['a', 'b'],
    ['c', 'd'],
  ]);
});

test('a failed write rejects the marks of its batch only', async () => {
  let calls = 0;
  const writer = new MarkWriter(async () => {
    if (++calls === 1) throw new Error('database lost');
  });
  const failed = writer.mark(sent('a'));
  await expect(failed).rejects.toThrow('database lost');
  await expect(writer.mark(sent('b'))).resolves.toBeUndefined();
});
