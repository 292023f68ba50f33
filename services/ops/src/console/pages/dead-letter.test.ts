import { describe, expect, it } from 'vitest';
import type { Principal } from '../../auth/authenticator.js';
import type { DeadLetterDetail } from '../../store/views.js';
import { detailPage, editPage } from './dead-letter.js';

const operator: Principal = {
  actor: 'ops-token',
  subject: 'ops-token',
  role: 'operator',
  grants: ['operator'],
};
const body = { id: 'm-1', type: 'NotificationRequested', data: { subject: 'BROKEN' } };
const detail: DeadLetterDetail = {
  id: '2b9e4c1e-5d5e-4f4c-9a55-1f6f3c1c2a03',
  queue: 'notifier',
  messageId: 'm-1',
  messageType: 'NotificationRequested',
  exchange: 'notifications',
  routingKey: 'notification.news',
  error: 'invalid',
  errorClass: 'InvalidMessageError',
  fingerprint: 'f',
  attempts: 1,
  status: 'open',
  replayCount: 0,
  deadLetteredAt: '2026-01-01T00:00:00.000Z',
  service: 'notifier',
  host: 'h',
  lineage: { replayedFromId: null, attempt: null, replays: [], outcome: null },
  edits: [],
  errorCode: null,
  firstFailedAt: null,
  archivedAt: '2026-01-01T00:00:00.000Z',
  resolvedAt: null,
  headers: {},
  properties: {},
  body: { size: 10, json: body, text: JSON.stringify(body) },
};

describe('dead-letter detail page', () => {
  it('offers edit & retry to operators, and shows lineage, outcome and edits once there are some', () => {
    expect(detailPage({ principal: operator }, detail)).toContain(`href="/dead-letters/${detail.id}/edit"`);
    const replayed: DeadLetterDetail = {
      ...detail,
      status: 'replayed',
      lineage: {
        replayedFromId: '3b9e4c1e-5d5e-4f4c-9a55-1f6f3c1c2a04',
        attempt: 2,
        replays: [
          {
            id: '4b9e4c1e-5d5e-4f4c-9a55-1f6f3c1c2a05',
            deadLetteredAt: detail.deadLetteredAt,
            status: 'open',
          },
        ],
        outcome: 'failed-again',
      },
      edits: [
        {
          id: 'e',
          actor: 'oidc:ada (ada)',
          at: '2026-01-02T00:00:00.000Z',
          diff: [{ type: 'CHANGE', path: ['data', 'subject'], oldValue: 'BROKEN', value: 'Fixed' }],
        },
      ],
    };
    const page = detailPage({ principal: operator }, replayed);
    expect(page).toContain('replayed from 3b9e4c1e-5d5e-4f4c-9a55-1f6f3c1c2a04, attempt 2');
    expect(page).toContain('replay failed again (dead letter 4b9e4c1e-5d5e-4f4c-9a55-1f6f3c1c2a05)');
    expect(page).toContain('data.subject: &quot;BROKEN&quot; → &quot;Fixed&quot;');
    expect(page).toContain('oidc:ada (ada)');
    expect(page).toContain('Original body');
  });

  it('hides the edit button from readers', () => {
    const reader: Principal = { ...operator, role: 'read', grants: ['read'] };
    expect(detailPage({ principal: reader }, detail)).not.toContain('/edit');
  });
});

describe('edit & retry page', () => {
  it('puts the body in the editor escaped, lists schema problems, and forces a replay of a replayed entry', () => {
    const page = editPage({ principal: operator, csrf: 'tok' }, detail, {
      text: '{"x":"</textarea><script>"}',
      problems: ['/data/list: must be string'],
    });
    expect(page).toContain('&lt;/textarea&gt;&lt;script&gt;');
    expect(page).toContain('<code>/data/list: must be string</code>');
    expect(page).toContain('name="_csrf" value="tok"');
    expect(page).not.toContain('name="force"');
    expect(editPage({ principal: operator }, { ...detail, status: 'replayed' }, { text: '' })).toContain(
      'name="force" value="true"',
    );
  });
});
