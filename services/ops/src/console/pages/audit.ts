import { AUDIT_ACTIONS, type AuditItem, type AuditPage } from '../../audit/audit-log.js';
import { html, qs, type SafeHtml } from '../html.js';
import { filterForm, type FilterField } from '../filter-form.js';
import { layout, refreshToggle, REFRESH_SECONDS, timeOf, type PageContext } from '../layout.js';

/** The audit filters of the page's query string (`GET /api/audit`'s keys). */
export type AuditFilter = Partial<
  Record<'actor' | 'action' | 'deadLetterId' | 'identityId' | 'since' | 'until', string>
>;

const FILTER_FIELDS: readonly FilterField[] = [
  { name: 'actor', label: 'Actor' },
  { name: 'action', label: 'Action', options: AUDIT_ACTIONS },
  { name: 'deadLetterId', label: 'Dead letter id' },
  { name: 'identityId', label: 'Identity id' },
  { name: 'since', label: 'Since', placeholder: '2026-01-01T00:00:00Z' },
  { name: 'until', label: 'Until', placeholder: '2026-12-31T00:00:00Z' },
];

const filters = (f: AuditFilter): SafeHtml =>
  filterForm(
    { action: '/audit', label: 'Filter the audit log', idPrefix: 'a', submit: 'Filter' },
    FILTER_FIELDS,
    f,
  );

function deadLetterLinks(ids: string[]): SafeHtml {
  const shown = ids.slice(0, 5);
  return html`${shown.map((id) => html`<a href="/dead-letters/${id}"><code>${id.slice(0, 8)}</code></a> `)}${ids.length > shown.length ? `+${ids.length - shown.length}` : ''}`;
}

function detailText(item: AuditItem): string {
  const parts: string[] = [];
  if (item.filter !== null && item.filter !== undefined) parts.push(`filter ${JSON.stringify(item.filter)}`);
  if (item.detail !== null && item.detail !== undefined) parts.push(JSON.stringify(item.detail));
  return parts.join(' · ');
}

function auditTable(items: AuditItem[]): SafeHtml {
  return html`<table>
    <caption class="sr-only">
      What operators did, newest first
    </caption>
    <thead>
      <tr>
        <th scope="col">When</th>
        <th scope="col">Who</th>
        <th scope="col">Action</th>
        <th scope="col" class="num">Count</th>
        <th scope="col">Dead letters</th>
        <th scope="col">Detail</th>
      </tr>
    </thead>
    <tbody>
      ${items.map(
        (i) =>
          html`<tr>
            <td>${timeOf(i.at)}</td>
            <td>${i.actor}</td>
            <td><strong>${i.action}</strong></td>
            <td class="num">${i.count}</td>
            <td>${deadLetterLinks(i.deadLetterIds)}</td>
            <td><code class="wrap">${detailText(i)}</code></td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** `problem`: why the filter was refused (the page still renders, with the form to fix it). */
export function auditPage(
  ctx: PageContext,
  f: AuditFilter,
  page: AuditPage | undefined,
  opts: { refresh?: boolean; problem?: string } = {},
): string {
  let body: SafeHtml;
  if (opts.problem || !page) body = html`<p class="notice bad" role="alert">${opts.problem ?? ''}</p>`;
  else if (page.items.length === 0) body = html`<p>Nothing recorded matches.</p>`;
  else body = auditTable(page.items);
  const next = page?.nextCursor
    ? html`<p><a href="/audit${qs({ ...f, cursor: page.nextCursor })}">Older</a></p>`
    : '';
  return layout(
    'Audit',
    ctx,
    html`<p class="muted">
        Every replay, edit, discard, purge, erasure, lifted suppression and resubscription, with who did it.
      </p>
      ${filters(f)} ${refreshToggle('/audit', f, opts.refresh === true)} ${body} ${next}`,
    { refreshSeconds: opts.refresh ? REFRESH_SECONDS : undefined },
  );
}
