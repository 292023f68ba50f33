import { describe, expect, it } from 'vitest';
import type { Principal } from '../../auth/authenticator.js';
import type { Timeline } from '../../identities/repository.js';
import { identitySearchPage } from './identities.js';
import { timelinePage } from './timeline.js';

const operator: Principal = {
  actor: 'ops-token',
  subject: 'ops-token',
  role: 'operator',
  grants: ['operator'],
};
const identity: Timeline['identity'] = {
  id: '0b9e4c1e-5d5e-4f4c-9a55-1f6f3c1c2a01',
  provider: 'kratos',
  externalId: 'k-1',
  email: 'ada@school.example',
  username: null,
  emailVerified: true,
  state: 'active',
  traits: {},
  version: 2,
  sourceUpdatedAt: '2026-01-02T00:00:00.000Z',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-02T00:00:00.000Z',
  deletedAt: null,
  erasedAt: null,
};

const timeline: Timeline = {
  identity,
  entries: [
    {
      at: '2026-01-01T00:00:00.000Z',
      kind: 'message',
      messageId: 'm-1',
      type: 'KratosIdentityUpdated',
      occurredAt: '2026-01-01T00:00:00.000Z',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      outcome: 'applied',
      version: 1,
    },
    {
      at: '2026-01-02T00:00:00.000Z',
      kind: 'version',
      version: 2,
      change: 'updated',
      changes: [{ field: 'traits.user_type', before: 'student', after: '<b>educator</b>' }],
      published: true,
    },
    {
      at: '2026-01-03T00:00:00.000Z',
      kind: 'email',
      notificationId: 'n-1',
      topic: 'exam',
      subject: 'Your exam',
      email: 'ada@school.example',
      status: 'failed',
      attempts: 3,
      smtpResponse: '550 mailbox unavailable',
      error: 'rejected',
    },
    {
      at: '2026-01-04T00:00:00.000Z',
      kind: 'dead-letter',
      id: '1b9e4c1e-5d5e-4f4c-9a55-1f6f3c1c2a02',
      queue: 'notifier',
      messageId: 'm-2',
      messageType: 'NotificationRequested',
      status: 'open',
      errorClass: 'TransientError',
      error: 'smtp down',
    },
  ],
};

describe('timeline page', () => {
  it('shows every kind of entry in order, with the diff escaped and links to the email and dead letter', () => {
    const page = timelinePage({ principal: operator, csrf: 'c' }, timeline);
    expect(page).toContain('<h1>Timeline of ada@school.example</h1>');
    const order = ['KratosIdentityUpdated', 'Version 2', 'Your exam', 'Dead letter on notifier'].map((t) =>
      page.indexOf(t),
    );
    expect(order.every((i, n) => i > 0 && (n === 0 || i > order[n - 1]!))).toBe(true);
    expect(page).toContain('&quot;&lt;b&gt;educator&lt;/b&gt;&quot;');
    expect(page).not.toContain('<b>educator</b>');
    expect(page).toContain('550 mailbox unavailable');
    expect(page).toContain('href="/dead-letters/1b9e4c1e-5d5e-4f4c-9a55-1f6f3c1c2a02"');
    expect(page).toContain(`href="/identities/${identity.id}/erase"`);
    expect(page).not.toContain('http-equiv="refresh"');
  });

  it('refreshes itself when asked, and offers no erasure to readers or for an erased identity', () => {
    const reader: Principal = { ...operator, role: 'read', grants: ['read', 'pii'] };
    expect(timelinePage({ principal: reader }, timeline, true)).toContain('http-equiv="refresh"');
    expect(timelinePage({ principal: reader }, timeline)).not.toContain('/erase');
    const erased = {
      ...timeline,
      identity: { ...identity, email: null, erasedAt: '2026-02-01T00:00:00.000Z' },
    };
    const page = timelinePage({ principal: operator }, erased);
    expect(page).not.toContain('/erase');
    expect(page).toContain('status-erased');
  });
});

describe('identity search page', () => {
  it('keeps the query in the form, lists results with a link to each timeline, and says when none match', () => {
    const page = identitySearchPage({ principal: operator }, { email: 'ada@school.example' }, [identity]);
    expect(page).toContain('value="ada@school.example"');
    expect(page).toContain(`href="/identities/${identity.id}"`);
    expect(identitySearchPage({ principal: operator }, { email: 'x@y.z' }, [])).toContain(
      'No identity matches',
    );
    expect(identitySearchPage({ principal: operator }, {}, undefined, 'give <email>')).toContain(
      'give &lt;email&gt;',
    );
  });
});
