// A role that comes from an e-mail domain (teacher for school.edu) follows the VERIFIED address, end to end: Kratos'
// webhooks (as the ingress publishes them) → identity-sync → IdentityChanged (`email`, `emailVerified`) → the
// subscribers worker's `emailDomain` rule. Real PostgreSQL and RabbitMQ, both workers consuming (test/reconcile's
// harness); the Kratos admin API is the stand-in, for the path without a verification webhook.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KratosIdentity } from '@identity-relay/contracts';
import { kratosAdminIdentity, type KratosAdminIdentity } from '@identity-relay/test-support';
import { startReconcileHarness, type ReconcileHarness } from '../reconcile/harness.js';

let h: ReconcileHarness;
const t0 = Date.parse('2026-03-01T09:00:00Z');
const at = (minutes: number) => new Date(t0 + minutes * 60_000);

beforeAll(async () => {
  h = await startReconcileHarness({
    rules: [{ list: 'teachers', when: { emailDomain: ['school.edu', '*.school.edu'] } }],
  });
});

afterAll(async () => {
  await h?.dispose();
});

/** Kratos' state after an event: kept in the admin API stand-in and, unless `quiet`, sent as a webhook. */
async function kratosSays(identity: KratosAdminIdentity, opts: { quiet?: boolean } = {}): Promise<void> {
  h.kratos.put(identity);
  if (!opts.quiet) await h.webhook(identity as unknown as KratosIdentity);
}

/** Waits until the subscribers worker applied version `version` of the Kratos identity `id`. */
async function subscribersApplied(id: string, version: number): Promise<void> {
  const seen = await h.until(
    async () => {
      const [row] = await h.prisma.$queryRaw<{ version: number }[]>`
        SELECT v.version FROM subscriber_identity_versions v JOIN identities i ON i.id = v.identity_id
        WHERE i.provider = 'kratos' AND i.external_id = ${id}`;
      return row?.version ?? 0;
    },
    (v) => v >= version,
    60_000,
  );
  expect(seen, `subscribers applied version ${version} of ${id}`).toBeGreaterThanOrEqual(version);
}

describe('roles from e-mail domains, once the address is verified', () => {
  it('registration with an unverified school.edu address grants nothing; verification grants; a new address takes it away', async () => {
    const registered = kratosAdminIdentity({ email: 'ada@school.edu', verified: false, at: at(0) });
    await kratosSays(registered);
    await subscribersApplied(registered.id, 1);
    expect(await h.members('teachers')).toEqual([]);

    // Kratos' verification flow `after` web_hook (or settings) sends the identity again, address now verified.
    await kratosSays(
      kratosAdminIdentity({ id: registered.id, email: 'ada@school.edu', verified: true, at: at(5) }),
    );
    await subscribersApplied(registered.id, 2);
    expect(await h.members('teachers')).toEqual(['ada@school.edu']);

    // The person changes their address: the new one is unverified, so the domain role goes with the old one.
    await kratosSays(
      kratosAdminIdentity({ id: registered.id, email: 'ada@north.school.edu', verified: false, at: at(9) }),
    );
    await subscribersApplied(registered.id, 3);
    expect(await h.members('teachers')).toEqual([]);
  }, 180_000);

  it('an address typed at another domain never matches, verified or not', async () => {
    const lookalike = kratosAdminIdentity({
      email: 'mallory@school.edu.evil.example',
      verified: true,
      at: at(0),
    });
    await kratosSays(lookalike);
    await subscribersApplied(lookalike.id, 1);
    expect(await h.members('teachers')).not.toContain('mallory@school.edu.evil.example');
  }, 180_000);

  it('without a verification webhook, the next reconciliation run grants the role from the admin API', async () => {
    const bob = kratosAdminIdentity({ email: 'bob@school.edu', verified: false, at: at(0) });
    await kratosSays(bob);
    await subscribersApplied(bob.id, 1);
    expect(await h.members('teachers')).not.toContain('bob@school.edu');
    // Verified in Kratos with no hook configured for the verification flow: nothing is sent.
    await kratosSays(
      kratosAdminIdentity({ id: bob.id, email: 'bob@school.edu', verified: true, at: at(7) }),
      {
        quiet: true,
      },
    );
    const summary = await h.reconciler.run('kratos', { trigger: 'test' });
    expect(summary.drift).toContainEqual({ kind: 'update', externalId: bob.id, fields: ['emailVerified'] });
    await subscribersApplied(bob.id, 2);
    expect(await h.members('teachers')).toContain('bob@school.edu');
  }, 180_000);
});
