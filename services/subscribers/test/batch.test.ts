import { randomUUID } from 'node:crypto';
import type { IdentityChangedData } from '@identity-relay/contracts';
import { Prisma, sqlTransaction, type SqlTx } from '@identity-relay/db';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyIdentityChanges, defaultRules } from '../src/index.js';
import { history, identity, startHarness, type Harness } from './harness.js';

// Real database: the set-based batch against the same messages applied one at a time, in delivery order.

let h: Harness;
beforeAll(async () => {
  h = await startHarness(defaultRules('user_type'));
});
afterAll(async () => {
  await h?.dispose();
});

type Person = 'a' | 'b';
/** One world's identities and addresses: `mail('x')` is address x of this world only. */
interface World {
  id: Record<Person, string>;
  mail(name: string): string;
}
interface Scenario {
  /** Applied one at a time before the batch, in both worlds. */
  before: IdentityChangedData[];
  /** Applied as one batch in one world, one at a time in the other. */
  batch: IdentityChangedData[];
}

function newWorld(): World {
  const tag = randomUUID().slice(0, 8);
  return { id: { a: randomUUID(), b: randomUUID() }, mail: (name) => `${name}-${tag}@school.edu` };
}

/** The world's rows with its identities and addresses replaced by their names, and the identities' versions. */
async function endState(w: World) {
  const suffix = w.mail('');
  const rows = await h.prisma.$queryRaw<
    { list: string; email: string; identity_id: string; active: boolean }[]
  >`SELECT list, email, identity_id, unsubscribed_at IS NULL AS active FROM subscribers
    WHERE email LIKE ${'%' + suffix} ORDER BY email`;
  const person = (id: string) => (Object.keys(w.id) as Person[]).find((p) => w.id[p] === id) ?? id;
  const versions = await h.prisma.$queryRaw<{ identity_id: string; version: number; deleted: boolean }[]>`
    SELECT identity_id, version, deleted FROM subscriber_identity_versions
    WHERE identity_id IN (${w.id.a}::uuid, ${w.id.b}::uuid) ORDER BY version`;
  return {
    rows: rows.map((r) => ({
      ...r,
      email: r.email.slice(0, -suffix.length),
      identity_id: person(r.identity_id),
    })),
    versions: versions
      .map((v) => ({ ...v, identity_id: person(v.identity_id) }))
      .sort((x, y) => (x.identity_id < y.identity_id ? -1 : 1)),
  };
}

type Outcome = Awaited<ReturnType<Harness['worker']['apply']>>;
const summary = (o: Outcome) =>
  o === 'duplicate' ? o : o.applied ? o.actions.map((a) => a.kind).join(',') || 'applied' : 'stale';

/** Runs `build` in two fresh worlds, batched and one at a time; both must end alike. */
async function batchMatchesOneAtATime(build: (w: World) => Scenario) {
  const batched = newWorld();
  const single = newWorld();
  const s1 = build(batched);
  const s2 = build(single);
  for (const data of [...s1.before]) await h.worker.apply(randomUUID(), data);
  for (const data of [...s2.before]) await h.worker.apply(randomUUID(), data);

  const batchOutcomes = await h.worker.applyBatch(
    s1.batch.map((data) => ({ messageId: randomUUID(), data })),
  );
  const singleOutcomes: Outcome[] = [];
  for (const data of s2.batch) singleOutcomes.push(await h.worker.apply(randomUUID(), data));

  expect(batchOutcomes.map(summary)).toEqual(singleOutcomes.map(summary));
  const state = await endState(batched);
  expect(state).toEqual(await endState(single));
  return { outcomes: batchOutcomes.map(summary), ...state };
}

const educator = (email: string) => identity('x-batch', { email });
const student = (email: string) => identity('x-batch', { email, userType: 'student' });

describe('a batch of IdentityChanged ends as the same messages one at a time in delivery order', () => {
  test('several messages of one identity: each sees the one before (subscribe, move, leave, come back elsewhere)', async () => {
    const { outcomes, rows } = await batchMatchesOneAtATime((w) => ({
      before: [],
      batch: history(w.id.a, [
        educator(w.mail('x')),
        educator(w.mail('y')),
        student(w.mail('y')),
        educator(w.mail('z')),
      ]),
    }));
    expect(outcomes).toEqual(['insert', 'activate', 'unsubscribe', 'activate']);
    expect(rows).toEqual([{ list: 'educators', email: 'z', identity_id: 'a', active: true }]);
  });

  test('two identities swapping addresses take over each other’s rows', async () => {
    const { rows } = await batchMatchesOneAtATime((w) => {
      const [a1, a2] = history(w.id.a, [educator(w.mail('x')), educator(w.mail('y'))]);
      const [b1, b2] = history(w.id.b, [educator(w.mail('y')), educator(w.mail('x'))]);
      return { before: [a1!, b1!], batch: [a2!, b2!] };
    });
    expect(rows).toEqual([
      { list: 'educators', email: 'x', identity_id: 'b', active: true },
      { list: 'educators', email: 'y', identity_id: 'a', active: true },
    ]);
  });

  test('an address one identity leaves and another moves to in the same batch (rows moved along a chain)', async () => {
    const { rows } = await batchMatchesOneAtATime((w) => {
      const [a1, a2] = history(w.id.a, [educator(w.mail('x')), educator(w.mail('y'))]);
      const [b1, b2] = history(w.id.b, [educator(w.mail('z')), educator(w.mail('x'))]);
      return { before: [a1!, b1!], batch: [a2!, b2!] };
    });
    expect(rows).toEqual([
      { list: 'educators', email: 'x', identity_id: 'b', active: true },
      { list: 'educators', email: 'y', identity_id: 'a', active: true },
    ]);
  });

  test('two new identities with one address in one batch: the later one takes the row over', async () => {
    const { outcomes, rows } = await batchMatchesOneAtATime((w) => ({
      before: [],
      batch: [...history(w.id.a, [educator(w.mail('x'))]), ...history(w.id.b, [educator(w.mail('x'))])],
    }));
    expect(outcomes).toEqual(['insert', 'activate']);
    expect(rows).toEqual([{ list: 'educators', email: 'x', identity_id: 'b', active: true }]);
  });

  test('a stale message behind a newer one of the same batch changes nothing; a deletion after it applies', async () => {
    const { outcomes, rows, versions } = await batchMatchesOneAtATime((w) => {
      const [a1, a2, a3, a4] = history(
        w.id.a,
        [educator(w.mail('x')), student(w.mail('x')), educator(w.mail('y'))],
        { deleteAtEnd: true },
      );
      const [b1] = history(w.id.b, [educator(w.mail('w'))]);
      return { before: [a1!], batch: [a3!, b1!, a2!, b1!, a4!] };
    });
    expect(outcomes).toEqual(['activate', 'insert', 'stale', 'stale', 'unsubscribe']);
    expect(rows).toEqual([
      { list: 'educators', email: 'w', identity_id: 'b', active: true },
      { list: 'educators', email: 'y', identity_id: 'a', active: false },
    ]);
    expect(versions).toEqual([
      { identity_id: 'a', version: 4, deleted: true },
      { identity_id: 'b', version: 1, deleted: false },
    ]);
  });
});

test('a batch takes as many statements as a batch of one', async () => {
  const statements = async (changes: IdentityChangedData[]) => {
    let count = 0;
    await sqlTransaction(h.prisma, (tx) => {
      const counted: SqlTx = {
        query: <R>(s: Prisma.Sql) => (count++, tx.query<R>(s)),
        execute: (s: Prisma.Sql) => (count++, tx.execute(s)),
      };
      return applyIdentityChanges(counted, changes, defaultRules('user_type'));
    });
    return count;
  };
  const tag = randomUUID().slice(0, 8);
  const one = await statements(history(randomUUID(), [educator(`one-${tag}@school.edu`)]));
  const many = await statements(
    Array.from({ length: 40 }, (_, i) =>
      history(randomUUID(), [educator(`m${i}-${tag}@school.edu`), educator(`n${i}-${tag}@school.edu`)]),
    ).flat(),
  );
  expect(one).toBe(3);
  expect(many).toBe(3);
});
