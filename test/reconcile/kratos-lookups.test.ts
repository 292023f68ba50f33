// The Kratos source's confirmation of deletion candidates against the admin-API stand-in of packages/test-support
// (a real HTTP server): in bulk with `GET /admin/identities?ids=…` where Kratos honours `ids` (≥ 1.1), one
// `GET /admin/identities/{id}` each where it does not (Kratos 1.0 ignores `ids` and lists everybody's first page).
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createKratosSource } from '@identity-relay/reconcile';
import {
  kratosAdminIdentity,
  startKratosAdminStandIn,
  type KratosAdminStandIn,
} from '@identity-relay/test-support';

let kratos: KratosAdminStandIn | undefined;

afterEach(async () => {
  await kratos?.close();
  kratos = undefined;
});

/** A directory of `size` identities; returns the candidates: every 3rd one still there, the rest gone. */
function directory(standIn: KratosAdminStandIn, size: number): { candidates: string[]; there: string[] } {
  const candidates: string[] = [];
  const there: string[] = [];
  for (let i = 0; i < size; i++) {
    const identity = kratosAdminIdentity();
    standIn.put(identity);
    if (i % 3 === 0) {
      candidates.push(identity.id);
      there.push(identity.id);
    } else {
      candidates.push(randomUUID());
    }
  }
  return { candidates, there };
}

describe('Kratos source: which deletion candidates the IdP still has', () => {
  it('asks in bulk by ids, 100 per call, and finds identities the listing pages missed', async () => {
    kratos = await startKratosAdminStandIn();
    const { candidates, there } = directory(kratos, 450);
    kratos.hideFromListing(there[0]!);
    const source = createKratosSource({ adminUrl: kratos.url });
    const present = await source.present(candidates);
    expect([...present].sort()).toEqual([...there].sort());
    expect(kratos.calls).toMatchObject({ ids: 5, get: 0, list: 0 });
  });

  it('falls back to one GET each when Kratos ignores ids and answers identities that were not asked for', async () => {
    kratos = await startKratosAdminStandIn({ idsFilter: false });
    const { candidates, there } = directory(kratos, 450);
    const source = createKratosSource({ adminUrl: kratos.url });
    expect([...(await source.present(candidates))].sort()).toEqual([...there].sort());
    // One list call (counted as a listing page) showed it; the later batches, and later calls, do not repeat it.
    expect(kratos.calls).toMatchObject({ list: 1, get: candidates.length });
    const first = candidates.slice(0, 10);
    expect([...(await source.present(first))].sort()).toEqual(
      first.filter((id) => there.includes(id)).sort(),
    );
    expect(kratos.calls).toMatchObject({ list: 1, get: candidates.length + 10 });
  });

  it('looks up an id that is not a UUID on its own (Kratos answers 400 for it in ids)', async () => {
    kratos = await startKratosAdminStandIn();
    const identity = kratosAdminIdentity();
    kratos.put(identity);
    const source = createKratosSource({ adminUrl: kratos.url });
    const gone = randomUUID();
    expect([...(await source.present([identity.id, 'not-a-uuid', gone]))]).toEqual([identity.id]);
    expect(kratos.calls).toMatchObject({ ids: 1, get: 1 });
  });

  it('the stand-in answers ids as Kratos does: 400 for a value that is not a UUID or more than 500 ids', async () => {
    kratos = await startKratosAdminStandIn();
    const one = await fetch(`${kratos.url}/admin/identities?ids=nope`);
    expect(one.status).toBe(400);
    const many = Array.from({ length: 501 }, () => `ids=${randomUUID()}`).join('&');
    expect((await fetch(`${kratos.url}/admin/identities?${many}`)).status).toBe(400);
  });
});
