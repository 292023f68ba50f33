// Real: PostgreSQL (own database, migrated). The console's session store as other sign-in methods
// (OIDC login) use it: subject, grants, expiry, revocation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@identity-relay/db/testing';
import { principalOfSession, SessionStore } from '../src/index.js';

let db: TestDatabase;
let now = new Date('2026-12-01T10:00:00Z');
let store: SessionStore;

beforeAll(async () => {
  db = await createTestDatabase();
  store = new SessionStore(db.prisma, { maxAgeSeconds: 3600, now: () => now });
});

afterAll(async () => {
  await db?.drop();
});

describe('SessionStore', () => {
  it('creates a session for an OIDC subject with roles, resolvable by its token only', async () => {
    const { token, session } = await store.create({
      subject: 'oidc:ada',
      name: 'ada',
      roles: ['read', 'pii'],
    });
    expect(session).toMatchObject({ subject: 'oidc:ada', name: 'ada', roles: ['read', 'pii'] });
    expect(session.expiresAt).toEqual(new Date(now.getTime() + 3600_000));
    expect(await store.resolve(token)).toMatchObject({ subject: 'oidc:ada', roles: ['read', 'pii'] });
    expect(principalOfSession(session)).toMatchObject({ actor: 'oidc:ada (ada)', role: 'read' });
    expect(await store.resolve(`${token}x`)).toBeNull();
    expect(await store.resolve(undefined)).toBeNull();
    const row = await db.prisma.opsSession.findFirstOrThrow({ where: { subject: 'oidc:ada' } });
    expect(row.id).toMatch(/^[0-9a-f]{64}$/);
    expect(row.id).not.toBe(token);
  });

  it('ends no later than the credential it came from, nor than the maximum age', async () => {
    const soon = new Date(now.getTime() + 60_000);
    expect(
      (await store.create({ subject: 'oidc:bob', roles: ['read'], expiresAt: soon })).session.expiresAt,
    ).toEqual(soon);
    const late = new Date(now.getTime() + 86_400_000);
    expect(
      (await store.create({ subject: 'oidc:bob', roles: ['read'], expiresAt: late })).session.expiresAt,
    ).toEqual(new Date(now.getTime() + 3600_000));
  });

  it('refuses sessions without a role, and forgets unknown grants', async () => {
    await expect(store.create({ subject: 'oidc:eve', roles: ['pii'] })).rejects.toThrow(RangeError);
    const { session } = await store.create({ subject: 'oidc:eve', roles: ['read', 'root' as never] });
    expect(session.roles).toEqual(['read']);
  });

  it('stops resolving a session once it expired or was revoked, one or all of a subject', async () => {
    const a = await store.create({ subject: 'oidc:carol', roles: ['operator'] });
    const b = await store.create({ subject: 'oidc:carol', roles: ['operator'] });
    const c = await store.create({ subject: 'oidc:dan', roles: ['read'] });
    await store.revoke(a.token);
    expect(await store.resolve(a.token)).toBeNull();
    expect(await store.resolve(b.token)).not.toBeNull();
    expect(await store.revokeSubject('oidc:carol')).toBe(1);
    expect(await store.resolve(b.token)).toBeNull();
    now = new Date(now.getTime() + 3601_000);
    expect(await store.resolve(c.token)).toBeNull();
  });

  it('keeps a session made with a shared credential only while that credential is in force', async () => {
    const bound = await store.create({ subject: 'ops-token', roles: ['operator'], credential: 'fp-old' });
    const unbound = await store.create({ subject: 'oidc:gus', roles: ['read'] });
    const current = new SessionStore(db.prisma, {
      maxAgeSeconds: 3600,
      now: () => now,
      credentials: ['fp-old'],
    });
    const rotated = new SessionStore(db.prisma, {
      maxAgeSeconds: 3600,
      now: () => now,
      credentials: ['fp-new'],
    });
    expect(await current.resolve(bound.token)).not.toBeNull();
    expect(await rotated.resolve(bound.token)).toBeNull();
    expect(await rotated.resolve(unbound.token)).not.toBeNull();
    // A store told of no credential keeps none of the bound sessions.
    expect(await store.resolve(bound.token)).toBeNull();
  });

  it('purges sessions expired or revoked more than a day ago', async () => {
    now = new Date(now.getTime() + 2 * 86_400_000);
    const live = await store.create({ subject: 'oidc:fred', roles: ['read'] });
    expect(await store.purge()).toBeGreaterThan(0);
    expect(await db.prisma.opsSession.count()).toBe(1);
    expect(await store.resolve(live.token)).not.toBeNull();
  });
});
