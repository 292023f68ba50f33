import type { DeadLetterFilter } from '../../store/filter.js';
import { filterToJson, STATUSES } from '../../store/filter.js';
import type { Page } from '../../store/repository.js';
import type { DeadLetterItem } from '../../store/views.js';
import { html, qs, type SafeHtml } from '../html.js';
import { filterForm, type FilterField } from '../filter-form.js';
import { layout, orDash, refreshToggle, REFRESH_SECONDS, statusBadge, type PageContext } from '../layout.js';

const FILTER_FIELDS: readonly FilterField[] = [
  { name: 'queue', label: 'Queue' },
  { name: 'type', label: 'Message type' },
  { name: 'fingerprint', label: 'Fingerprint' },
  { name: 'messageId', label: 'Message id' },
  { name: 'email', label: 'Email' },
  { name: 'identityId', label: 'Identity id' },
  { name: 'externalId', label: 'External id' },
  { name: 'status', label: 'Status', options: STATUSES },
  { name: 'since', label: 'Since', placeholder: '2026-01-01T00:00:00Z' },
  { name: 'until', label: 'Until', placeholder: '2026-12-31T00:00:00Z' },
];

const filters = (f: Record<string, string>): SafeHtml =>
  filterForm(
    { action: '/dead-letters', label: 'Filter dead letters', idPrefix: 'f', submit: 'Filter' },
    FILTER_FIELDS,
    f,
  );

export function itemsTable(items: DeadLetterItem[], caption: string): SafeHtml {
  return html`<table>
    <caption class="sr-only">
      ${caption}
    </caption>
    <thead>
      <tr>
        <th scope="col">Dead-lettered</th>
        <th scope="col">Queue</th>
        <th scope="col">Type</th>
        <th scope="col">Error</th>
        <th scope="col" class="num">Attempts</th>
        <th scope="col">Status</th>
      </tr>
    </thead>
    <tbody>
      ${items.map(
        (i) =>
          html`<tr>
            <td>
              <a href="/dead-letters/${i.id}" aria-label="Dead letter ${i.messageId ?? i.id}"
                ><time datetime="${i.deadLetteredAt}"
                  >${i.deadLetteredAt.replace('T', ' ').slice(0, 19)}</time
                ></a
              >
            </td>
            <td>${i.queue}</td>
            <td>${i.messageType ?? '—'}</td>
            <td class="error-text">${i.errorClass ?? ''}: ${i.error ?? ''}</td>
            <td class="num">${orDash(i.attempts)}</td>
            <td>${statusBadge(i.status)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function listPage(ctx: PageContext, filter: DeadLetterFilter, page: Page, refresh = false): string {
  const f = filterToJson(filter);
  const bulk =
    ctx.principal?.role === 'operator'
      ? html`<div class="actions">
          <a class="button" href="/dead-letters/bulk${qs({ ...f, action: 'replay' })}"
            >Replay all matching…</a
          >
          <a class="button danger" href="/dead-letters/bulk${qs({ ...f, action: 'discard' })}"
            >Discard all matching…</a
          >
        </div>`
      : '';
  return layout(
    'Dead letters',
    ctx,
    html`${filters(f)} ${refreshToggle('/dead-letters', f, refresh)} ${bulk}
    ${page.items.length === 0 ? html`<p>No dead letters match.</p>` : itemsTable(page.items, 'Dead letters, newest first')}
    ${page.nextCursor ? html`<p><a href="/dead-letters${qs({ ...f, cursor: page.nextCursor })}">Next page</a></p>` : ''}`,
    { refreshSeconds: refresh ? REFRESH_SECONDS : undefined },
  );
}
