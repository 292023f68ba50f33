import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { kratosIdentity, startHarness, waitFor, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ replicas: 2 });
});
afterAll(async () => {
  await h?.dispose();
});

test('two replicas consuming concurrently keep per-identity versions gap-free and ordered', async () => {
  const ids = Array.from({ length: 8 }, () => randomUUID());
  const updatesPerIdentity = 15;
  const sends: Promise<unknown>[] = [];
  for (let n = 0; n < updatesPerIdentity; n++) {
    for (const id of ids) {
      const at = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
      sends.push(
        h.publishKratos(
          kratosIdentity(id, {
            traits: { email: `${id.slice(0, 8)}@school.edu`, user_type: 'educator', n },
            updated_at: at,
          }),
        ),
      );
    }
  }
  await Promise.all(sends);
  const total = ids.length * updatesPerIdentity;
  const rows = await waitFor(
    () => h.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM processed_messages`,
    (r) => Number(r[0]!.n) === total,
    30_000,
  );
  expect(Number(rows[0]!.n)).toBe(total);

  const versions = await h.prisma.$queryRaw<
    { external_id: string; versions: number[]; row_version: number }[]
  >`
    SELECT i.external_id, array_agg(e.version ORDER BY e.created_at) AS versions, i.version AS row_version
    FROM identities i JOIN identity_events e ON e.identity_id = i.id AND e.version IS NOT NULL
    GROUP BY i.external_id, i.version`;
  expect(versions).toHaveLength(ids.length);
  for (const v of versions) {
    // Versions are gap-free, in commit order, and the row holds the last one.
    expect(v.versions).toEqual(Array.from({ length: v.versions.length }, (_, i) => i + 1));
    expect(v.row_version).toBe(v.versions.length);
  }
  // Whatever order the replicas applied them in, each identity ends at its newest update.
  const finals = await h.prisma.$queryRaw<{ n: number }[]>`SELECT (traits->>'n')::int AS n FROM identities`;
  expect(finals.every((f) => f.n === updatesPerIdentity - 1)).toBe(true);

  // IdentityChanged leaves in per-identity version order.
  const published = versions.reduce((s, v) => s + v.versions.length, 0);
  const changes = await h.readChanges(published, 20_000);
  expect(changes).toHaveLength(published);
  const seen = new Map<string, number>();
  for (const c of changes) {
    const last = seen.get(c.data.identityId) ?? 0;
    expect(c.data.version).toBe(last + 1);
    seen.set(c.data.identityId, c.data.version);
  }
});
