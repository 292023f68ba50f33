// Reconciliation of Kratos against real PostgreSQL and RabbitMQ with identity-sync and subscribers consuming (see
// harness.ts); the Kratos admin API is the stand-in of packages/test-support (keyset pages through `Link`, 404s).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '@identity-relay/bus';
import { waitForQueueSettled } from '@identity-relay/bus/testing';
import { ReconcileBusyError } from '@identity-relay/reconcile';
import { kratosAdminIdentity, type KratosAdminIdentity } from '@identity-relay/test-support';
import type { KratosIdentity } from '@identity-relay/contracts';
import { startReconcileHarness, type ReconcileHarness } from './harness.js';

const DIRECTORY = 3000;
let h: ReconcileHarness;
const emailOf = (i: KratosAdminIdentity) => String(i.traits.email).toLowerCase();
const later = (ms: number) => new Date(Date.now() + ms);

async function rowOf(id: string) {
  const rows = await h.prisma.$queryRaw<
    Array<{
      email: string;
      state: string;
      email_verified: boolean;
      traits: Record<string, unknown>;
      deleted_at: Date | null;
      version: number;
    }>
  >`SELECT email, state, email_verified, traits, deleted_at, version FROM identities WHERE provider = 'kratos' AND external_id = ${id}`;
  return rows[0];
}

async function processedCount(): Promise<number> {
  const [row] = await h.prisma.$queryRaw<{ n: bigint }[]>`
    SELECT count(*) AS n FROM processed_messages WHERE consumer = 'identity-sync'`;
  return Number(row!.n);
}

beforeAll(async () => {
  h = await startReconcileHarness();
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < DIRECTORY; i++) {
    h.kratos.put(
      kratosAdminIdentity({ userType: i % 2 === 0 ? 'educator' : 'student', at: new Date(start + i * 1000) }),
    );
  }
});

afterAll(async () => {
  await h?.dispose();
});

describe('reconcile kratos', () => {
  it('backfills several thousand identities into an empty database through identity-sync and the subscriber lists', async () => {
    const summary = await h.reconciler.run('kratos', { trigger: 'test' });
    expect(summary).toMatchObject({
      provider: 'kratos',
      dryRun: false,
      status: 'succeeded',
      listed: DIRECTORY,
    });
    expect(summary).toMatchObject({ created: DIRECTORY, updated: 0, deleted: 0, unchanged: 0 });
    expect(h.kratos.calls.list).toBe(DIRECTORY / 250);
    expect(
      await h.until(
        () => h.liveCount('kratos'),
        (n) => n === DIRECTORY,
      ),
    ).toBe(DIRECTORY);
    const educators = [...h.kratos.ids()]
      .map((id) => h.kratos.get(id)!)
      .filter((i) => i.traits.user_type === 'educator');
    // The subscribers worker applies one IdentityChanged per transaction: on a loaded machine this takes minutes.
    const listed = await h.until(
      () => h.educators(),
      (e) => e.length === educators.length,
      840_000,
    );
    expect(listed).toEqual(educators.map(emailOf).sort());
    const sample = h.kratos.get(h.kratos.ids()[7]!)!;
    expect(await rowOf(sample.id)).toMatchObject({
      email: sample.traits.email,
      state: 'active',
      email_verified: true,
      version: 1,
    });
  }, 900_000);

  it('a second run finds nothing to do and publishes nothing', async () => {
    const before = await processedCount();
    const summary = await h.reconciler.run('kratos', { trigger: 'test' });
    expect(summary).toMatchObject({
      listed: DIRECTORY,
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: DIRECTORY,
    });
    expect(summary.drift).toEqual([]);
    // Everything published (with confirms) before this point has been handled.
    await waitForQueueSettled(h.vhostUrl, QUEUES.identitySync);
    expect(await processedCount()).toBe(before);
  });

  it('repairs admin-API updates and deletions; a deleted educator leaves educators', async () => {
    const ids = [...h.kratos.ids()];
    const changed = ids.slice(100, 105).map((id) => h.kratos.get(id)!);
    for (const identity of changed) {
      h.kratos.put({
        ...identity,
        traits: { ...identity.traits, name: { first: 'Grace', last: 'Hopper' } },
        updated_at: later(1000).toISOString(),
      });
    }
    const unverified = h.kratos.get(ids[200]!)!;
    h.kratos.put({
      ...unverified,
      verifiable_addresses: [
        { ...(unverified.verifiable_addresses as object[])[0], verified: false, status: 'sent' },
      ],
      updated_at: later(1000).toISOString(),
    });
    const deactivated = h.kratos.get(ids[300]!)!;
    h.kratos.put({ ...deactivated, state: 'inactive', updated_at: later(1000).toISOString() });
    const deletedEducators = ids
      .filter((id) => h.kratos.get(id)!.traits.user_type === 'educator')
      .slice(400, 407);
    const deletedEmails = deletedEducators.map((id) => emailOf(h.kratos.get(id)!));
    for (const id of deletedEducators) h.kratos.remove(id);

    const summary = await h.reconciler.run('kratos', { trigger: 'test' });
    expect(summary).toMatchObject({
      listed: DIRECTORY - 7,
      created: 0,
      updated: 7,
      deleted: 7,
      unchanged: DIRECTORY - 14,
    });
    expect(summary.drift).toEqual(
      expect.arrayContaining([
        { kind: 'update', externalId: changed[0]!.id, fields: ['traits'] },
        { kind: 'update', externalId: unverified.id, fields: ['emailVerified'] },
        { kind: 'update', externalId: deactivated.id, fields: ['state'] },
        { kind: 'delete', externalId: deletedEducators[0]! },
      ]),
    );
    expect(
      await h.until(
        () => h.liveCount('kratos'),
        (n) => n === DIRECTORY - 7,
      ),
    ).toBe(DIRECTORY - 7);
    expect(
      await h.until(
        () => rowOf(changed[4]!.id),
        (r) => r?.version === 2,
      ),
    ).toMatchObject({
      traits: expect.objectContaining({ name: { first: 'Grace', last: 'Hopper' } }),
    });
    expect(
      await h.until(
        () => rowOf(unverified.id),
        (r) => r?.version === 2,
      ),
    ).toMatchObject({ email_verified: false });
    expect(
      await h.until(
        () => rowOf(deactivated.id),
        (r) => r?.version === 2,
      ),
    ).toMatchObject({ state: 'inactive' });
    expect((await rowOf(deletedEducators[0]!))?.deleted_at).toBeInstanceOf(Date);
    const educators = await h.until(
      () => h.educators(),
      (e) => !e.includes(deletedEmails[6]!),
    );
    for (const email of deletedEmails) expect(educators).not.toContain(email);

    const again = await h.reconciler.run('kratos', { trigger: 'test' });
    expect(again).toMatchObject({ created: 0, updated: 0, deleted: 0, unchanged: DIRECTORY - 7 });
  }, 400_000);

  it('a dry run counts the drift and publishes nothing', async () => {
    const id = h.kratos.ids().find((i) => h.kratos.get(i)!.traits.user_type === 'educator')!;
    const identity = h.kratos.get(id)!;
    h.kratos.put({
      ...identity,
      traits: { ...identity.traits, user_type: 'student' },
      updated_at: later(2000).toISOString(),
    });
    const before = await processedCount();
    const summary = await h.reconciler.run('kratos', { dryRun: true, trigger: 'test' });
    expect(summary).toMatchObject({ dryRun: true, updated: 1, created: 0, deleted: 0 });
    await waitForQueueSettled(h.vhostUrl, QUEUES.identitySync);
    expect(await processedCount()).toBe(before);
    expect((await rowOf(id))?.traits.user_type).toBe('educator');
    expect((await h.reconciler.runs.list({ provider: 'kratos', limit: 1 }))[0]).toMatchObject({
      dryRun: true,
      status: 'succeeded',
      updated: 1,
      drift: [{ kind: 'update', externalId: id, fields: ['traits'] }],
    });
    await h.reconciler.run('kratos', { trigger: 'test' });
    expect(
      await h.until(
        () => rowOf(id),
        (r) => r?.traits.user_type === 'student',
      ),
    ).toBeTruthy();
  });

  it('a run racing new webhooks never tombstones a just-registered identity, nor one the pages missed', async () => {
    const registered = kratosAdminIdentity({ id: '00000000-0000-4000-8000-000000000001' });
    const missed = h.kratos.ids()[600]!;
    h.kratos.hideFromListing(missed);
    // Registered while the run lists page 3: its id sorts before the cursor, so the listing cannot see it.
    h.kratos.beforeListPage(async (page) => {
      if (page !== 2) return;
      h.kratos.put(registered);
      await h.webhook(registered as unknown as KratosIdentity);
      await h.until(
        () => rowOf(registered.id),
        (r) => r !== undefined,
      );
    });
    try {
      const summary = await h.reconciler.run('kratos', { trigger: 'test' });
      expect(summary).toMatchObject({ deleted: 0 });
      expect(summary.drift.filter((d) => d.kind === 'delete')).toEqual([]);
    } finally {
      h.kratos.beforeListPage(null);
      h.kratos.hideFromListing(missed, false);
    }
    expect((await rowOf(registered.id))?.deleted_at).toBeNull();
    expect((await rowOf(missed))?.deleted_at).toBeNull();
  });

  it('a repair of an older state loses to a newer webhook that reached identity-sync first', async () => {
    const id = h.kratos.ids()[700]!;
    const listed = h.kratos.get(id)!;
    // The admin API changed it (no webhook): the reconciler will publish this state…
    const adminState = {
      ...listed,
      traits: { ...listed.traits, name: { first: 'Admin', last: 'Edit' } },
      updated_at: later(3000).toISOString(),
    };
    h.kratos.put(adminState);
    await h.stopIdentitySync();
    // …but a newer self-service change is already queued ahead of the repair.
    const newer = {
      ...adminState,
      traits: { ...adminState.traits, name: { first: 'Self', last: 'Service' } },
      updated_at: later(60_000).toISOString(),
    };
    await h.webhook(newer as unknown as KratosIdentity);
    const summary = await h.reconciler.run('kratos', { trigger: 'test' });
    expect(summary).toMatchObject({ updated: 1 });
    await h.startIdentitySync();
    const row = await h.until(
      () => rowOf(id),
      (r) => r?.version === 2,
    );
    // Both versions handled: the older one cannot overwrite the row afterwards.
    await waitForQueueSettled(h.vhostUrl, QUEUES.identitySync);
    expect(await rowOf(id)).toMatchObject({
      version: 2,
      traits: expect.objectContaining({ name: { first: 'Self', last: 'Service' } }),
    });
    expect(row).toBeDefined();
    const [stale] = await h.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM identity_events e JOIN identities i ON i.id = e.identity_id
      WHERE i.external_id = ${id} AND e.type = 'identity.stale'`;
    expect(Number(stale!.n)).toBe(1);
    h.kratos.put(newer as KratosAdminIdentity);
  });

  it('one run at a time per provider, across reconcilers sharing the database', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    h.kratos.beforeListPage(() => gate);
    let started!: () => void;
    const holding = new Promise<void>((resolve) => (started = resolve));
    const first = h.reconciler.run('kratos', { trigger: 'test', dryRun: true, onStarted: () => started() });
    try {
      await holding;
      await expect(
        h.reconcilerWith({}).run('kratos', { trigger: 'test', dryRun: true }),
      ).rejects.toBeInstanceOf(ReconcileBusyError);
    } finally {
      release();
      h.kratos.beforeListPage(null);
    }
    await expect(first).resolves.toMatchObject({ status: 'succeeded' });
    await expect(
      h.reconcilerWith({}).run('kratos', { trigger: 'test', dryRun: true }),
    ).resolves.toMatchObject({
      status: 'succeeded',
    });
  });

  it('the mass-delete guard refuses an empty listing and tombstones nobody; --force past the ratio deletes', async () => {
    const live = await h.liveCount('kratos');
    const empty = await (await import('@identity-relay/test-support')).startKratosAdminStandIn();
    try {
      const summary = await h
        .reconcilerWith({ kratosAdminUrl: empty.url })
        .run('kratos', { trigger: 'test' });
      expect(summary).toMatchObject({ status: 'refused', listed: 0, deleted: 0, deleteCandidates: live });
      expect(summary.refused).toMatch(/refusing to delete \d+ of \d+ kratos identities/);
      expect(empty.calls.get).toBe(0);
    } finally {
      await empty.close();
    }
    expect(await h.liveCount('kratos')).toBe(live);
    expect((await h.reconciler.runs.list({ provider: 'kratos', limit: 1 }))[0]).toMatchObject({
      status: 'refused',
    });

    const gone = [...h.kratos.ids()].slice(0, Math.ceil(live * 0.12));
    for (const id of gone) h.kratos.remove(id);
    expect(await h.reconciler.run('kratos', { trigger: 'test' })).toMatchObject({
      status: 'refused',
      deleted: 0,
    });
    const forced = await h.reconciler.run('kratos', { trigger: 'test', force: true });
    expect(forced).toMatchObject({ status: 'succeeded', deleted: gone.length });
    expect(
      await h.until(
        () => h.liveCount('kratos'),
        (n) => n === live - gone.length,
      ),
    ).toBe(live - gone.length);
  });
});
