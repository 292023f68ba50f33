import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultRules } from '../src/index.js';
import { history, identity, startHarness, type Harness } from './harness.js';

interface Row {
  list: string;
  email: string;
  identity_id: string;
  subscribed_at: Date;
  unsubscribed_at: Date | null;
}

let h: Harness;
beforeAll(async () => {
  // The fixtures' Kratos schema calls the trait user_type (SUBSCRIBER_TYPE_TRAIT=user_type).
  h = await startHarness(defaultRules('user_type'));
});
afterAll(async () => {
  await h?.dispose();
});

const rowsOf = (identityId: string) =>
  h.prisma.$queryRaw<
    Row[]
  >`SELECT list, email, identity_id, subscribed_at, unsubscribed_at FROM subscribers WHERE identity_id = ${identityId}::uuid ORDER BY subscribed_at`;

async function applyInOrder(events: Parameters<Harness['publish']>[0][]): Promise<string[]> {
  const ids: string[] = [];
  for (const e of events) {
    ids.push(await h.publish(e));
    await h.processed(ids);
  }
  return ids;
}

describe('subscribers', () => {
  test('an educator who registers is subscribed to educators (address lower-cased); a student is not', async () => {
    const educator = randomUUID();
    const student = randomUUID();
    await applyInOrder([
      ...history(educator, [identity('e-1', { email: 'Ada@School.edu' })]),
      ...history(student, [identity('s-1', { userType: 'student' })]),
    ]);
    expect(await rowsOf(educator)).toMatchObject([
      { list: 'educators', email: 'ada@school.edu', unsubscribed_at: null },
    ]);
    expect(await rowsOf(student)).toEqual([]);
  });

  test('student → educator subscribes, back to student unsubscribes keeping the row, educator again resubscribes', async () => {
    const id = randomUUID();
    const states = ['student', 'educator', 'student', 'educator'].map((userType, i) =>
      identity('x-2', { userType, sourceUpdatedAt: `2026-01-0${i + 1}T00:00:00.000Z` }),
    );
    const events = history(id, states);
    await applyInOrder(events.slice(0, 1));
    expect(await rowsOf(id)).toEqual([]);
    await applyInOrder(events.slice(1, 2));
    const [joined] = await rowsOf(id);
    expect(joined).toMatchObject({ list: 'educators', unsubscribed_at: null });
    await applyInOrder(events.slice(2, 3));
    const [left] = await rowsOf(id);
    expect(left!.unsubscribed_at).toBeInstanceOf(Date);
    await applyInOrder(events.slice(3, 4));
    const rows = await rowsOf(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.unsubscribed_at).toBeNull();
    expect(rows[0]!.subscribed_at.getTime()).toBeGreaterThan(joined!.subscribed_at.getTime());
  });

  test('an email change updates the address of the existing row', async () => {
    const id = randomUUID();
    await applyInOrder(
      history(id, [
        identity('x-3', { email: 'old@school.edu' }),
        identity('x-3', { email: 'new@school.edu' }),
      ]),
    );
    expect(await rowsOf(id)).toMatchObject([{ email: 'new@school.edu', unsubscribed_at: null }]);
  });

  test('a deleted identity leaves every list', async () => {
    const id = randomUUID();
    await applyInOrder(history(id, [identity('x-4')], { deleteAtEnd: true }));
    const rows = await rowsOf(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.unsubscribed_at).toBeInstanceOf(Date);
  });

  test('replayed and out-of-order events end in the same state as in-order delivery', async () => {
    const build = (id: string) =>
      history(id, [
        identity('x-5', { userType: 'student', email: 'v1@school.edu' }),
        identity('x-5', { userType: 'educator', email: 'v2@school.edu' }),
        identity('x-5', { userType: 'educator', email: 'v3@school.edu' }),
        identity('x-5', { userType: 'student', email: 'v4@school.edu' }),
        identity('x-5', { userType: 'educator', email: 'v5@school.edu' }),
      ]);
    const inOrder = randomUUID();
    await applyInOrder(build(inOrder));
    const expected = (await rowsOf(inOrder)).map((r) => [r.list, r.email, r.unsubscribed_at === null]);
    expect(expected).toEqual([['educators', 'v5@school.edu', true]]);

    // Newest first, then everything again as a replay under new message ids, then exact duplicates.
    const shuffled = randomUUID();
    const events = build(shuffled);
    const first = await Promise.all([...events].reverse().map((e) => h.publish(e)));
    await h.processed(first);
    const replays = await Promise.all(events.map((e) => h.publish(e)));
    const duplicates = await Promise.all(events.map((e, i) => h.publish(e, first[events.length - 1 - i])));
    await h.processed([...replays, ...duplicates]);
    expect((await rowsOf(shuffled)).map((r) => [r.list, r.email, r.unsubscribed_at === null])).toEqual(
      expected,
    );
    const [version] = await h.prisma.$queryRaw<
      { version: number }[]
    >`SELECT version FROM subscriber_identity_versions WHERE identity_id = ${shuffled}::uuid`;
    expect(version!.version).toBe(5);
  });

  test('one batch with versions out of order, a repeated message id and a second identity ends as one at a time in delivery order would', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const [a1, a2, a3] = history(a, [
      identity('x-b1', { email: 'one@school.edu' }),
      identity('x-b1', { userType: 'student', email: 'two@school.edu' }),
      identity('x-b1', { email: 'three@school.edu' }),
    ]);
    const [b1] = history(b, [identity('x-b2', { email: 'other@school.edu' })]);
    const repeated = randomUUID();
    const items = [
      { messageId: randomUUID(), data: a3! },
      { messageId: repeated, data: b1! },
      { messageId: randomUUID(), data: a1! },
      { messageId: repeated, data: b1! },
      { messageId: randomUUID(), data: a2! },
    ];
    const outcomes = await h.worker.applyBatch(items);
    // v3 came first, so v1 and v2 are stale, as they would be one at a time; the copy is a duplicate.
    expect(outcomes.map((o) => (o === 'duplicate' ? o : o.applied))).toEqual([
      true,
      true,
      false,
      'duplicate',
      false,
    ]);
    expect(await rowsOf(a)).toMatchObject([
      { list: 'educators', email: 'three@school.edu', unsubscribed_at: null },
    ]);
    expect(await rowsOf(b)).toMatchObject([
      { list: 'educators', email: 'other@school.edu', unsubscribed_at: null },
    ]);
    expect(await h.worker.applyBatch(items.slice(0, 1))).toEqual(['duplicate']);
  });

  test('two identities sharing an address: the later one takes the row over', async () => {
    const a = randomUUID();
    const b = randomUUID();
    await applyInOrder([
      ...history(a, [identity('x-6a', { email: 'shared@school.edu' })]),
      ...history(b, [identity('x-6b', { email: 'shared@school.edu' })]),
    ]);
    expect(await rowsOf(a)).toEqual([]);
    expect(await rowsOf(b)).toMatchObject([{ email: 'shared@school.edu', unsubscribed_at: null }]);
  });
});
