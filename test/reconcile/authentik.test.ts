// Reconciliation of Authentik against real PostgreSQL and RabbitMQ with identity-sync and subscribers consuming (see
// harness.ts); Authentik's users API is the stand-in of packages/test-support (page numbers, `pagination.next`, 100
// users per page at most, as Authentik caps `page_size`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authentikApiUser } from '@identity-relay/test-support';
import { startReconcileHarness, type ReconcileHarness } from './harness.js';

const USERS = 450;
let h: ReconcileHarness;

async function rowOf(pk: number) {
  const rows = await h.prisma.$queryRaw<
    Array<{
      email: string | null;
      state: string;
      traits: Record<string, unknown>;
      deleted_at: Date | null;
      version: number;
    }>
  >`SELECT email, state, traits, deleted_at, version FROM identities WHERE provider = 'authentik' AND external_id = ${String(pk)}`;
  return rows[0];
}

beforeAll(async () => {
  h = await startReconcileHarness();
  for (let pk = 1; pk <= USERS; pk++)
    h.authentik.put(authentikApiUser(pk, { userType: pk % 3 === 0 ? 'educator' : 'student' }));
});

afterAll(async () => {
  await h?.dispose();
});

describe('reconcile authentik', () => {
  it('backfills every user through AuthentikUserChanged, following pagination.next across capped pages', async () => {
    const summary = await h.reconciler.run('authentik', { trigger: 'test' });
    expect(summary).toMatchObject({
      status: 'succeeded',
      listed: USERS,
      created: USERS,
      updated: 0,
      deleted: 0,
    });
    expect(h.authentik.calls.list).toBe(Math.ceil(USERS / 100));
    expect(h.authentik.calls.get).toBe(0);
    expect(
      await h.until(
        () => h.liveCount('authentik'),
        (n) => n === USERS,
      ),
    ).toBe(USERS);
    expect(await rowOf(3)).toMatchObject({
      email: 'user3@school.example',
      state: 'active',
      traits: expect.objectContaining({ user_type: 'educator', name: 'User 3', uuid: expect.any(String) }),
    });
    const educators = await h.until(
      () => h.educators(),
      (e) => e.length === USERS / 3,
      600_000,
    );
    expect(educators).toHaveLength(USERS / 3);
  }, 900_000);

  it('a second run finds nothing to do', async () => {
    expect(await h.reconciler.run('authentik', { trigger: 'test' })).toMatchObject({
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: USERS,
    });
  });

  it('repairs changes and deletions the webhooks missed; a deleted educator leaves educators', async () => {
    h.authentik.put({
      ...h.authentik.get(10)!,
      attributes: { user_type: 'educator' },
      last_updated: new Date().toISOString(),
    });
    h.authentik.put({ ...h.authentik.get(11)!, is_active: false, last_updated: new Date().toISOString() });
    for (const pk of [30, 33, 36]) h.authentik.remove(pk);
    const summary = await h.reconciler.run('authentik', { trigger: 'test' });
    expect(summary).toMatchObject({ listed: USERS - 3, created: 0, updated: 2, deleted: 3 });
    expect(summary.drift).toEqual(
      expect.arrayContaining([
        { kind: 'update', externalId: '10', fields: ['traits'] },
        { kind: 'update', externalId: '11', fields: ['state'] },
        { kind: 'delete', externalId: '33' },
      ]),
    );
    expect(h.authentik.calls.get).toBe(3);
    expect(
      await h.until(
        () => rowOf(36),
        (r) => r?.deleted_at != null,
      ),
    ).toMatchObject({ version: 2 });
    expect(
      await h.until(
        () => rowOf(10),
        (r) => r?.version === 2,
      ),
    ).toMatchObject({
      traits: expect.objectContaining({ user_type: 'educator' }),
    });
    expect(
      await h.until(
        () => rowOf(11),
        (r) => r?.version === 2,
      ),
    ).toMatchObject({ state: 'inactive' });
    const educators = await h.until(
      () => h.educators(),
      (e) => e.includes('user10@school.example') && !e.includes('user33@school.example'),
    );
    for (const pk of [30, 33, 36]) expect(educators).not.toContain(`user${pk}@school.example`);
    expect(await h.reconciler.run('authentik', { trigger: 'test' })).toMatchObject({
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: USERS - 3,
    });
  }, 400_000);

  it('refuses to tombstone when the API refuses the token, and nothing changes', async () => {
    const wrong = h.reconcilerWith({ authentikToken: 'not-the-token' });
    await expect(wrong.run('authentik', { trigger: 'test' })).rejects.toMatchObject({
      code: 'IDP_UNAUTHORIZED',
    });
    expect((await h.reconciler.runs.list({ provider: 'authentik', limit: 1 }))[0]).toMatchObject({
      status: 'failed',
    });
    expect(await h.liveCount('authentik')).toBe(USERS - 3);
  });
});
