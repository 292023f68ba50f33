import type { IdentityItem } from '../../identities/repository.js';
import { html, type SafeHtml } from '../html.js';
import { filterForm, type FilterField } from '../filter-form.js';
import { layout, statusBadge, timeOf, type PageContext } from '../layout.js';

/** What the search form was filled with (`?email=` or `?externalId=&provider=` or `?id=`). */
export type IdentitySearch = Partial<Record<'email' | 'externalId' | 'provider' | 'id', string>>;

const PROVIDERS = ['kratos', 'authentik'] as const;

const SEARCH_FIELDS: readonly FilterField[] = [
  { name: 'email', label: 'Email', type: 'email' },
  { name: 'externalId', label: 'External id' },
  { name: 'provider', label: 'Provider', options: PROVIDERS },
  { name: 'id', label: 'Identity id' },
];

const searchForm = (q: IdentitySearch): SafeHtml =>
  filterForm(
    { action: '/identities', label: 'Find an identity', idPrefix: 'i', submit: 'Find' },
    SEARCH_FIELDS,
    q,
  );

/** An identity's state as a badge: active, inactive, deleted or erased. */
export function identityState(i: Pick<IdentityItem, 'state' | 'deletedAt' | 'erasedAt'>): SafeHtml {
  if (i.erasedAt) return statusBadge('erased');
  if (i.deletedAt) return statusBadge('deleted');
  return statusBadge(i.state);
}

function resultsTable(items: IdentityItem[]): SafeHtml {
  return html`<table>
    <caption class="sr-only">
      Identities found, most recently changed first
    </caption>
    <thead>
      <tr>
        <th scope="col">Email</th>
        <th scope="col">Provider</th>
        <th scope="col">External id</th>
        <th scope="col">State</th>
        <th scope="col" class="num">Version</th>
        <th scope="col">Changed</th>
      </tr>
    </thead>
    <tbody>
      ${items.map(
        (i) =>
          html`<tr>
            <td>
              <a href="/identities/${i.id}" aria-label="Timeline of ${i.email ?? i.externalId}"
                >${i.email ?? html`<span class="muted">(no email)</span>`}</a
              >
            </td>
            <td>${i.provider}</td>
            <td><code>${i.externalId}</code></td>
            <td>${identityState(i)}</td>
            <td class="num">${i.version}</td>
            <td>${timeOf(i.updatedAt)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** `items` undefined: nothing searched yet. `problem`: why the search was refused. */
export function identitySearchPage(
  ctx: PageContext,
  q: IdentitySearch,
  items: IdentityItem[] | undefined,
  problem?: string,
): string {
  let results: SafeHtml | '' = '';
  if (problem) results = html`<p class="notice bad" role="alert">${problem}</p>`;
  else if (items?.length === 0) results = html`<p>No identity matches.</p>`;
  else if (items) results = resultsTable(items);
  return layout(
    'Identities',
    ctx,
    html`<p class="muted">
        Find a person by email, by their id at the identity provider, or by identity-relay's id, then open
        their timeline: every message, version, list membership, email and dead letter about them.
      </p>
      ${searchForm(q)} ${results}`,
  );
}
