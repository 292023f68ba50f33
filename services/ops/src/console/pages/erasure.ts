import type { ErasureCounts, ErasureResult } from '../../erasure/erasure.js';
import type { IdentityItem } from '../../identities/repository.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, layout, type PageContext } from '../layout.js';

const LABELS: Record<keyof ErasureCounts, string> = {
  identityEvents: 'history versions (payloads redacted)',
  subscribers: 'list memberships (deleted)',
  optOuts: 'opt-outs (deleted)',
  suppressions: 'suppressions (deleted)',
  emailDeliveries: 'email deliveries (address redacted)',
  deadLetters: 'dead letters (body and headers redacted)',
  auditEntries: 'audit entries naming them (filter redacted)',
  mailFiles: '.eml files (deleted)',
};

function countsTable(counts: ErasureCounts, caption: string): SafeHtml {
  return html`<table data-testid="erasure-counts">
    <caption class="sr-only">
      ${caption}
    </caption>
    <tbody>
      ${(Object.keys(LABELS) as Array<keyof ErasureCounts>).map(
        (k) =>
          html`<tr>
            <th scope="row">${LABELS[k]}</th>
            <td class="num">${counts[k]}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

const who = (i: IdentityItem): string => i.email ?? `${i.provider} ${i.externalId}`;

/** The dry run and the confirmation form: nothing is erased until the operator confirms. */
export function erasureConfirmPage(ctx: PageContext, identity: IdentityItem, dry: ErasureResult): string {
  return layout(
    `Erase ${who(identity)}?`,
    ctx,
    html`<p>
        Dry run: this is what erasing would touch. The identity stays as a tombstone (provider and external id
        only) so a late webhook cannot bring it back, and <code>IdentityErased</code> is published for
        downstream systems. <strong>This cannot be undone.</strong>
      </p>
      ${dry.alreadyErased ? html`<p class="notice" role="status">Already erased: confirming publishes IdentityErased again.</p>` : ''}
      ${countsTable(dry.counts, 'What the erasure would touch')}
      <form method="post" action="/identities/${identity.id}/erase" class="actions">
        ${csrfField(ctx)}
        <button type="submit" class="danger">Yes, erase everything about them</button>
        <a class="button secondary" href="/identities/${identity.id}">Cancel</a>
      </form>`,
  );
}

export function erasureDonePage(ctx: PageContext, result: ErasureResult): string {
  return layout(
    'Erased',
    ctx,
    html`<p class="notice" role="status">
        Identity <code>${result.identityId}</code> was
        erased${result.published ? ' and IdentityErased published' : ''}.
      </p>
      ${countsTable(result.counts, 'What the erasure touched')}
      <p><a href="/identities/${result.identityId}">Its (redacted) timeline</a></p>`,
  );
}
