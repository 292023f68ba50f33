import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kratosIdentity, startHarness, waitFor, type Harness } from './harness.js';

interface Row {
  external_id: string;
  email: string | null;
  email_verified: boolean;
  traits: Record<string, unknown>;
  version: number;
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.dispose();
});

const identityRow = (externalId: string) =>
  h.prisma.$queryRaw<
    Row[]
  >`SELECT external_id, email, email_verified, traits, version FROM identities WHERE provider = 'kratos' AND external_id = ${externalId}`.then(
    (rows) => rows[0],
  );
const events = (externalId: string) =>
  h.prisma.$queryRaw<{ version: number | null; type: string; pending: boolean }[]>`
    SELECT e.version, e.type, EXISTS (SELECT 1 FROM identity_outbox o WHERE o.event_id = e.id) AS pending
    FROM identity_events e JOIN identities i ON i.id = e.identity_id
    WHERE i.external_id = ${externalId} ORDER BY e.created_at`;

describe('identity-sync', () => {
  test('a Kratos identity becomes a row and IdentityChanged v1; a second update becomes v2', async () => {
    const id = randomUUID();
    await h.publishKratos(kratosIdentity(id, { traits: { email: 'ada@school.edu', user_type: 'student' } }));
    const row = await waitFor(
      () => identityRow(id),
      (r) => r !== undefined,
    );
    expect(row).toMatchObject({ email: 'ada@school.edu', email_verified: true, version: 1 });
    expect(row!.traits).toMatchObject({ user_type: 'student' });

    const [first] = await h.readChanges(1);
    expect(first).toMatchObject({ type: 'IdentityChanged', specversion: '1.0' });
    expect(first!.data).toMatchObject({ change: 'created', version: 1, previous: null });
    expect(first!.data.identity).toMatchObject({
      provider: 'kratos',
      externalId: id,
      email: 'ada@school.edu',
      emailVerified: true,
    });

    await h.publishKratos(
      kratosIdentity(id, {
        traits: { email: 'ada@school.edu', user_type: 'educator' },
        updated_at: '2026-01-02T00:00:00Z',
      }),
    );
    const [second] = await h.readChanges(1);
    expect(second!.data).toMatchObject({ change: 'updated', version: 2 });
    expect(second!.data.previous).toMatchObject({ traits: { user_type: 'student' } });
    expect(second!.data.identity.traits).toMatchObject({ user_type: 'educator' });
    expect(await identityRow(id)).toMatchObject({ version: 2 });
    const history = await waitFor(
      () => events(id),
      (e) => e.every((x) => !x.pending),
    );
    expect(history.map((e) => e.version)).toEqual([1, 2]);
  });

  test('the same message delivered twice gives one row and one event', async () => {
    const id = randomUUID();
    const messageId = randomUUID();
    const identity = kratosIdentity(id);
    await h.publishKratos(identity, { id: messageId });
    await h.publishKratos(identity, { id: messageId });
    await waitFor(
      () => identityRow(id),
      (r) => r !== undefined,
    );
    const changes = await h.settledChanges(); // the copy was handled too
    expect(changes.filter((c) => c.data.identity.externalId === id)).toHaveLength(1);
    expect(await events(id)).toHaveLength(1);
    const [inbox] = await h.prisma.$queryRaw<
      { n: bigint }[]
    >`SELECT count(*) AS n FROM processed_messages WHERE message_id = ${messageId}`;
    expect(Number(inbox!.n)).toBe(1);
  });

  test('updates delivered out of order: the newest state stays, the stale one is recorded', async () => {
    const id = randomUUID();
    const newer = kratosIdentity(id, {
      traits: { email: 'new@school.edu', user_type: 'educator' },
      updated_at: '2026-03-01T00:00:00Z',
    });
    const older = kratosIdentity(id, {
      traits: { email: 'old@school.edu', user_type: 'student' },
      updated_at: '2026-02-01T00:00:00Z',
    });
    await h.publishKratos(newer);
    await waitFor(
      () => identityRow(id),
      (r) => r !== undefined,
    );
    await h.publishKratos(older);
    const history = await waitFor(
      () => events(id),
      (e) => e.length === 2,
    );
    expect(history.map((e) => [e.version, e.type])).toEqual([
      [1, 'identity.created'],
      [null, 'identity.stale'],
    ]);
    expect(await identityRow(id)).toMatchObject({ email: 'new@school.edu', version: 1 });
    const changes = await h.settledChanges();
    expect(changes.filter((c) => c.data.identity.externalId === id).map((c) => c.data.version)).toEqual([1]);
  });

  test('the same Kratos state re-sent with microseconds in updated_at is unchanged, neither stale nor an update', async () => {
    // Kratos prints microseconds; the row keeps milliseconds. .123756 must compare equal to what was stored of it.
    const id = randomUUID();
    const identity = kratosIdentity(id, { updated_at: '2026-11-30T10:00:00.123756Z' });
    await h.publishKratos(identity);
    await waitFor(
      () => identityRow(id),
      (r) => r !== undefined,
    );
    const again = randomUUID();
    await h.publishKratos(identity, { id: again });
    await waitFor(
      () =>
        h.prisma.$queryRaw<
          { n: bigint }[]
        >`SELECT count(*) AS n FROM processed_messages WHERE message_id = ${again}`,
      (rows) => Number(rows[0]!.n) === 1,
    );
    // An ignored change is recorded in the history (type identity.stale) with why: here unchanged, not stale.
    const history = await h.prisma.$queryRaw<{ version: number | null; reason: string | null }[]>`
      SELECT e.version, e.payload->>'reason' AS reason FROM identity_events e
      JOIN identities i ON i.id = e.identity_id WHERE i.external_id = ${id} ORDER BY e.created_at`;
    expect(history.map((e) => [e.version, e.reason])).toEqual([
      [1, null],
      [null, 'unchanged'],
    ]);
    expect(await identityRow(id)).toMatchObject({ version: 1 });
    const [stored] = await h.prisma.$queryRaw<{ at: string }[]>`
      SELECT to_char(source_updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at
      FROM identities WHERE provider = 'kratos' AND external_id = ${id}`;
    expect(stored!.at).toBe('2026-11-30T10:00:00.123000');
  });
});
