import type { BulkResult } from '../../store/actions.js';
import { html, qs } from '../html.js';
import { csrfField, layout, type PageContext } from '../layout.js';
import { itemsTable } from './dead-letters.js';

export function bulkConfirmPage(ctx: PageContext, action: 'replay' | 'discard', dry: BulkResult): string {
  const hidden = Object.entries(dry.filter).map(
    ([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`,
  );
  const described =
    Object.keys(dry.filter).length === 0
      ? 'all dead letters'
      : Object.entries(dry.filter)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ');
  return layout(
    `${action === 'replay' ? 'Replay' : 'Discard'} ${dry.count} dead letter(s)?`,
    ctx,
    html`<p>
        Dry run for <code>${described}</code>: <strong data-testid="dry-run-count">${dry.count}</strong> dead
        letter(s) would be ${action === 'replay' ? 'replayed' : 'discarded'}.
      </p>
      ${
        dry.sample && dry.sample.length > 0
          ? html`<h2>First ${dry.sample.length}</h2>
              ${itemsTable(dry.sample, 'Sample of what the action would touch')}`
          : ''
      }
      ${
        dry.count > 0
          ? html`<form method="post" action="/dead-letters/bulk" class="actions">
              ${csrfField(ctx)}<input type="hidden" name="action" value="${action}" />${hidden}
              <button type="submit" class="${action === 'discard' ? 'danger' : ''}">
                Yes, ${action} ${dry.count}
              </button>
              <a class="button secondary" href="/dead-letters${qs(dry.filter)}">Cancel</a>
            </form>`
          : html`<p><a href="/dead-letters${qs(dry.filter)}">Back</a></p>`
      }`,
  );
}

export function bulkDonePage(ctx: PageContext, result: BulkResult): string {
  const verb = result.action === 'replay' ? 'Replayed' : 'Discarded';
  return layout(
    `${verb} ${result.count} dead letter(s)`,
    ctx,
    html`<p class="notice" role="status">
        ${verb} ${result.count}.${result.failed?.length ? ` ${result.failed.length} failed.` : ''}
      </p>
      ${
        result.failed?.length
          ? html`<ul>
              ${result.failed.map((f) => html`<li><a href="/dead-letters/${f.id}">${f.id}</a>: ${f.code} ${f.message}</li>`)}
            </ul>`
          : ''
      }
      <p><a href="/dead-letters${qs(result.filter)}">Back to the list</a></p>`,
  );
}
