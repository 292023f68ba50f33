// Erasure against the real workers: identity-sync and subscribers consume from a real broker into a real database
// (test/reconcile/harness.ts), ops erases the person, then late source events arrive for them — a webhook the IdP
// sent again, an update made at the IdP after the erasure was asked for. None brings the person
// back: the identity stays a redacted tombstone, no IdentityChanged carries them again, no list gets them back, and
// nothing the late events carried (their address, their traits) is stored anywhere.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBrokerAdmin, EXCHANGES, QUEUES, type BrokerAdmin } from '@identity-relay/bus';
import { waitForQueueSettled } from '@identity-relay/bus/testing';
import type { KratosIdentity } from '@identity-relay/contracts';
import { createOps } from '@identity-relay/ops';
import { createLogger } from '@identity-relay/runtime';
import { kratosAdminIdentity } from '@identity-relay/test-support';
import { startReconcileHarness, type ReconcileHarness } from '../reconcile/harness.js';

let h: ReconcileHarness;
let admin: BrokerAdmin;
const kratosId = randomUUID();
const email = 'ada.erased@school.example';

interface IdentityRow {
  id: string;
  email: string | null;
  traits: unknown;
  version: number;
  deleted_at: Date | null;
  erased_at: Date | null;
}

const identityRow = async (): Promise<IdentityRow | undefined> =>
  (
    await h.prisma.$queryRaw<IdentityRow[]>`
      SELECT id, email, traits, version, deleted_at, erased_at FROM identities
      WHERE provider = 'kratos' AND external_id = ${kratosId}`
  )[0];

const handled = async (messageId: string): Promise<boolean> =>
  (
    await h.prisma.$queryRaw<unknown[]>`
      SELECT 1 FROM identity_events e JOIN identities i ON i.id = e.identity_id
      WHERE i.external_id = ${kratosId} AND e.source_message_id = ${messageId}`
  ).length > 0;

/** Publishes a Kratos webhook for the person and returns its message id. */
async function webhook(over: Parameters<typeof kratosAdminIdentity>[0]): Promise<string> {
  const before = new Set(
    (await h.prisma.identityEvent.findMany({ select: { sourceMessageId: true } })).map(
      (e) => e.sourceMessageId,
    ),
  );
  await h.webhook(kratosAdminIdentity({ id: kratosId, ...over }) as unknown as KratosIdentity);
  const row = await h.until(
    () => h.prisma.identityEvent.findMany({ select: { sourceMessageId: true } }),
    (rows) => rows.some((r) => !before.has(r.sourceMessageId)),
  );
  return row.find((r) => !before.has(r.sourceMessageId))!.sourceMessageId;
}

beforeAll(async () => {
  h = await startReconcileHarness();
  admin = await connectBrokerAdmin({
    url: h.vhostUrl,
    name: 'erasure-test-admin',
    logger: createLogger({ service: 'erasure-test', level: 'silent' }),
  });
  // Someone downstream listens for IdentityErased (it is published mandatory).
  await admin.declare({
    exchanges: [],
    queues: [{ name: 'erasures-listener', durable: true, arguments: {} }],
    bindings: [
      { exchange: EXCHANGES.identityErasures, queue: 'erasures-listener', routingKey: 'identity.erased' },
    ],
  });
});

afterAll(async () => {
  await admin?.close();
  await h?.dispose();
});

describe('an erased identity stays erased when late source events arrive', () => {
  it('syncs the person and puts them on the educators list first', async () => {
    await webhook({ email, userType: 'educator', at: new Date('2026-03-01T10:00:00Z') });
    const row = await h.until(identityRow, (r) => r?.email === email);
    expect(row?.version).toBe(1);
    expect(
      await h.until(
        () => h.members('educators'),
        (m) => m.includes(email),
      ),
    ).toContain(email);
  });

  it('erases them through ops, then ignores the old webhook sent again and a later update', async () => {
    const before = (await identityRow())!;
    const { erasure } = createOps({ prisma: h.prisma, bus: h.publisher, admin, retryDelaysMs: [200, 400] });
    const result = await erasure.erase(before.id, { actor: 'test', dryRun: false });
    expect(result).toMatchObject({ published: true, alreadyErased: false });
    expect(await h.members('educators')).not.toContain(email);

    // The IdP sent the old webhook again; then the person changed their profile there before the erasure reached
    // it (a later updated_at, a new address and traits).
    const late = [
      await webhook({ email, userType: 'educator', at: new Date('2026-03-01T10:00:00Z') }),
      await webhook({
        email: 'ada.new@school.example',
        userType: 'educator',
        at: new Date(Date.now() + 60_000),
      }),
    ];
    for (const id of late) expect(await handled(id)).toBe(true);

    const after = (await identityRow())!;
    expect(after).toMatchObject({ id: before.id, email: null, traits: {}, version: before.version });
    expect(after.deleted_at).not.toBeNull();
    expect(after.erased_at).not.toBeNull();
    // Recorded as facts without their data: no version, no payload, nothing left for the outbox to publish.
    const rows = await h.prisma.identityEvent.findMany({ where: { sourceMessageId: { in: late } } });
    expect(rows.map((r) => [r.version, r.payload])).toEqual(late.map(() => [null, { erased: true }]));
    // A later webhook for someone else goes the same way (identity-sync, outbox, subscribers): once they are on the
    // list and the subscribers queue is settled, anything the late events sent out would have been applied too.
    const sentinel = 'sentinel@elsewhere.example';
    await h.webhook(
      kratosAdminIdentity({
        id: randomUUID(),
        email: sentinel,
        userType: 'educator',
        at: new Date(),
      }) as unknown as KratosIdentity,
    );
    expect(
      await h.until(
        () => h.members('educators'),
        (m) => m.includes(sentinel),
      ),
    ).toContain(sentinel);
    await waitForQueueSettled(h.vhostUrl, QUEUES.subscribers);
    expect(await h.members('educators')).toEqual(
      expect.not.arrayContaining([email, 'ada.new@school.example']),
    );
    const leaks = await h.prisma.$queryRaw<Array<{ place: string }>>`
      SELECT 'identities' AS place FROM identities WHERE identities::text ILIKE '%ada.%@school.example%'
      UNION ALL SELECT 'identity_events' FROM identity_events WHERE payload::text ILIKE '%@school.example%'
      UNION ALL SELECT 'subscribers' FROM subscribers WHERE email ILIKE 'ada.%'`;
    expect(leaks).toEqual([]);
  });
});
