import type { DeadLetterFilter } from '../../store/filter.js';
import { filterToJson, STATUSES } from '../../store/filter.js';
import type { Page } from '../../store/repository.js';
import type { DeadLetterItem } from '../../store/views.js';
import { html, qs, type SafeHtml } from '../html.js';
import { layout, orDash, refreshToggle, REFRESH_SECONDS, statusBadge, type PageContext } from '../layout.js';

function filterForm(f: Record<string, string>): SafeHtml {
  const text = (name: string, label: string) =>
    html`<label for="f-${name}"
      >${label}<input id="f-${name}" name="${name}" value="${f[name] ?? ''}"
    /></label>`;
  return html`<form
    class="filters"
    method="get"
    action="/dead-letters"
    role="search"
    aria-label="Filter dead letters"
  >
    ${text('queue', 'Queue')} ${text('type', 'Message type')} ${text('fingerprint', 'Fingerprint')}
    ${text('messageId', 'Message id')} ${text('email', 'Email')} ${text('identityId', 'Identity id')}
    ${text('externalId', 'External id')}
    <label for="f-status"
      >Status<select id="f-status" name="status">
        <option value="">any</option>
        ${STATUSES.map((s) => html`<option value="${s}" ${f.status === s ? html` selected` : ''}>${s}</option>`)}
      </select></label
    >
    <label for="f-since"
      >Since<input id="f-since" name="since" placeholder="2026-01-01T00:00:00Z" value="${f.since ?? ''}"
    /></label>
    <label for="f-until"
      >Until<input id="f-until" name="until" placeholder="2026-12-31T00:00:00Z" value="${f.until ?? ''}"
    /></label>
    <button type="submit">Filter</button>
  </form>`;
}

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
    html`${filterForm(f)} ${refreshToggle('/dead-letters', f, refresh)} ${bulk}
    ${page.items.length === 0 ? html`<p>No dead letters match.</p>` : itemsTable(page.items, 'Dead letters, newest first')}
    ${page.nextCursor ? html`<p><a href="/dead-letters${qs({ ...f, cursor: page.nextCursor })}">Next page</a></p>` : ''}`,
    { refreshSeconds: refresh ? REFRESH_SECONDS : undefined },
  );
}
