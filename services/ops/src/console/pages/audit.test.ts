import { describe, expect, it } from 'vitest';
import type { Principal } from '../../auth/authenticator.js';
import { auditPage } from './audit.js';
import { erasureConfirmPage } from './erasure.js';

const operator: Principal = {
  actor: 'ops-token',
  subject: 'ops-token',
  role: 'operator',
  grants: ['operator'],
};

describe('audit page', () => {
  it('lists entries with links to their dead letters, keeps the filter, and pages with a cursor', () => {
    const page = auditPage(
      { principal: operator },
      { action: 'replay', actor: 'ops-token' },
      {
        items: [
          {
            id: '7',
            at: '2026-01-01T00:00:00.000Z',
            actor: 'oidc:ada (ada)',
            action: 'replay',
            deadLetterIds: ['5b9e4c1e-5d5e-4f4c-9a55-1f6f3c1c2a06'],
            count: 1,
            filter: null,
            detail: { edited: true },
          },
        ],
        nextCursor: '7',
      },
    );
    expect(page).toContain('href="/dead-letters/5b9e4c1e-5d5e-4f4c-9a55-1f6f3c1c2a06"');
    expect(page).toContain('<option value="replay"  selected>');
    expect(page).toContain('href="/audit?action=replay&amp;actor=ops-token&amp;cursor=7"');
    expect(page).toContain('oidc:ada (ada)');
  });

  it('shows a refused filter as a notice, with the form kept', () => {
    const page = auditPage({ principal: operator }, { since: 'yesterday' }, undefined, {
      problem: 'since: bad',
    });
    expect(page).toContain('role="alert">since: bad');
    expect(page).toContain('value="yesterday"');
  });
});

describe('erasure confirmation', () => {
  it('shows the dry-run counts and a CSRF-protected confirm form', () => {
    const counts = {
      identityEvents: 3,
      subscribers: 1,
      optOuts: 0,
      suppressions: 0,
      emailDeliveries: 2,
      deadLetters: 1,
      auditEntries: 0,
      mailFiles: 2,
    };
    const identity = {
      id: '6b9e4c1e-5d5e-4f4c-9a55-1f6f3c1c2a07',
      provider: 'kratos',
      externalId: 'k',
      email: 'ada@school.example',
      username: null,
      emailVerified: true,
      state: 'active',
      traits: {},
      version: 1,
      sourceUpdatedAt: '',
      createdAt: '',
      updatedAt: '',
      deletedAt: null,
      erasedAt: null,
    };
    const page = erasureConfirmPage({ principal: operator, csrf: 'tok' }, identity, {
      identityId: identity.id,
      dryRun: true,
      alreadyErased: false,
      counts,
    });
    expect(page).toContain('<h1>Erase ada@school.example?</h1>');
    expect(page).toMatch(/email deliveries \(address redacted\)<\/th>\s*<td class="num">2</);
    expect(page).toContain(`action="/identities/${identity.id}/erase"`);
    expect(page).toContain('name="_csrf" value="tok"');
  });
});
