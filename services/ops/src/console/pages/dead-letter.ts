import { diffLines, originText, outcomeText } from '../../store/describe.js';
import type { DeadLetterDetail } from '../../store/views.js';
import { html, qs, type SafeHtml } from '../html.js';
import { csrfField, layout, orDash, statusBadge, timeOf, type PageContext } from '../layout.js';

function pretty(d: DeadLetterDetail): SafeHtml {
  if (d.body.json !== undefined)
    return html`<pre aria-label="Body (JSON)">${JSON.stringify(d.body.json, null, 2)}</pre>`;
  if (d.body.text !== undefined) return html`<pre aria-label="Body (text)">${d.body.text}</pre>`;
  if (d.body.base64 === undefined)
    return html`<p class="muted">Binary body withheld: personal data needs the pii role.</p>`;
  return html`<p class="muted">Binary body, shown as base64.</p>
    <pre aria-label="Body (base64)">${d.body.base64}</pre>`;
}

export function detailPage(ctx: PageContext, d: DeadLetterDetail, notice?: string): string {
  const facts: Array<[string, unknown]> = [
    ['Status', statusBadge(d.status)],
    ['Replayed', `${d.replayCount} time(s)`],
    ['Queue', d.queue],
    ['Message id', d.messageId ?? '—'],
    ['Type', d.messageType ?? '—'],
    ['Original route', `${d.exchange ?? '(unknown)'} / ${d.routingKey ?? '(unknown)'}`],
    ['Attempts', orDash(d.attempts)],
    ['First failed', d.firstFailedAt ?? '—'],
    ['Dead-lettered', d.deadLetteredAt],
    ['Gave up', `${d.service ?? '?'} on ${d.host ?? '?'}`],
    ['Fingerprint', html`<a href="/dead-letters${qs({ fingerprint: d.fingerprint })}">${d.fingerprint}</a>`],
  ];
  const origin = originText(d);
  if (origin && d.lineage.replayedFromId)
    facts.splice(2, 0, [
      'Lineage',
      html`<a href="/dead-letters/${d.lineage.replayedFromId}" data-testid="lineage">${origin}</a>`,
    ]);
  const outcome = outcomeText(d);
  if (outcome) facts.splice(2, 0, ['Replay outcome', outcome]);
  const actions =
    ctx.principal?.role === 'operator'
      ? html`<div class="actions">
          <a class="button" href="/dead-letters/${d.id}/confirm?action=replay">Replay…</a>
          ${d.messageType ? html`<a class="button secondary" href="/dead-letters/${d.id}/edit">Edit &amp; retry…</a>` : ''}
          ${d.status === 'open' ? html`<a class="button danger" href="/dead-letters/${d.id}/confirm?action=discard">Discard…</a>` : ''}
        </div>`
      : html`<p class="muted">Read-only access: replay and discard need the operator role.</p>`;
  return layout(
    `Dead letter ${d.messageId ?? d.id}`,
    ctx,
    html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''} ${actions}
      <dl class="facts">
        ${facts.map(
          ([k, v]) =>
            html`<dt>${k}</dt>
              <dd>${v}</dd>`,
        )}
      </dl>
      <h2>Error</h2>
      <pre class="error-text">
${d.errorClass ?? 'Unknown'}${d.errorCode ? ` (${d.errorCode})` : ''}: ${d.error ?? ''}</pre>
      ${replaysSection(d)} ${editsSection(d)}
      <h2>
        ${d.edits.length > 0 ? 'Original body' : 'Body'} <span class="muted">(${d.body.size} bytes)</span>
      </h2>
      ${d.body.masked ? html`<p class="muted">Emails are masked and traits hidden: personal data needs the pii role.</p>` : ''}
      ${pretty(d)}
      <h2>Headers</h2>
      <pre>${JSON.stringify(d.headers, null, 2)}</pre>
      <h2>Properties</h2>
      <pre>${JSON.stringify(d.properties, null, 2)}</pre>`,
  );
}

export function confirmPage(ctx: PageContext, d: DeadLetterDetail, action: 'replay' | 'discard'): string {
  const what =
    action === 'replay'
      ? `republish it to ${d.exchange ?? 'its work queue'} / ${d.routingKey ?? d.queue}`
      : 'mark it discarded (it leaves the open list)';
  const force = action === 'replay' && d.status === 'replayed';
  return layout(
    `${action === 'replay' ? 'Replay' : 'Discard'} this dead letter?`,
    ctx,
    html`<p>This will ${what}.</p>
      ${force ? html`<p class="notice bad" role="alert">It was already replayed ${d.replayCount} time(s); replaying again is forced.</p>` : ''}
      <form method="post" action="/dead-letters/${d.id}/${action}" class="actions">
        ${csrfField(ctx)} ${force ? html`<input type="hidden" name="force" value="true" />` : ''}
        <button type="submit" class="${action === 'discard' ? 'danger' : ''}">Yes, ${action}</button>
        <a class="button secondary" href="/dead-letters/${d.id}">Cancel</a>
      </form>`,
  );
}

/** Copies of this dead letter that were replayed and failed again, newest last. */
function replaysSection(d: DeadLetterDetail): SafeHtml | '' {
  if (d.lineage.replays.length === 0) return '';
  return html`<h2>Replays that failed again</h2>
    <ol>
      ${d.lineage.replays.map(
        (r) =>
          html`<li>
            <a href="/dead-letters/${r.id}">${r.id}</a> ${timeOf(r.deadLetteredAt)} ${statusBadge(r.status)}
          </li>`,
      )}
    </ol>`;
}

/** Corrected bodies replayed instead of the original: who, when, and what changed. */
function editsSection(d: DeadLetterDetail): SafeHtml | '' {
  if (d.edits.length === 0) return '';
  return html`<h2>Edits</h2>
    ${d.edits.map(
      (e) =>
        html`<section class="edit" aria-label="Edit by ${e.actor}">
          <p>${timeOf(e.at)} by <strong>${e.actor}</strong>, replayed:</p>
          <pre class="diff" aria-label="Diff">${diffLines(e.diff).join('\n')}</pre>
        </section>`,
    )}`;
}

export interface EditForm {
  /** The text in the editor: the stored body pretty-printed, or what the operator sent last. */
  text: string;
  /** Why the last attempt was refused: JSON syntax or schema problems, one per line. */
  problems?: string[];
}

/** Edit & retry: the body in an editor, checked against the message type's schema on submit. */
export function editPage(ctx: PageContext, d: DeadLetterDetail, edit: EditForm): string {
  const force = d.status === 'replayed';
  return layout(
    `Edit & retry ${d.messageId ?? d.id}`,
    ctx,
    html`<p>
        Correct the ${d.messageType} below. It is checked against the ${d.messageType} schema and replayed to
        ${d.exchange ?? d.queue} / ${d.routingKey ?? '(its route)'}; the original body is kept, and the diff
        and your name are recorded. The <code>id</code> and <code>type</code> must stay.
      </p>
      ${
        edit.problems?.length
          ? html`<div class="notice bad" role="alert">
              <p>Not replayed: the corrected message is not valid.</p>
              <ul data-testid="edit-problems">
                ${edit.problems.map((p) => html`<li><code>${p}</code></li>`)}
              </ul>
            </div>`
          : ''
      }
      <form method="post" action="/dead-letters/${d.id}/edit" class="stack">
        ${csrfField(ctx)} ${force ? html`<input type="hidden" name="force" value="true" />` : ''}
        <label for="body">Corrected message (JSON)</label>
        <textarea id="body" name="body" rows="20" spellcheck="false" required>${edit.text}</textarea>
        <div class="actions">
          <button type="submit">Check and replay</button>
          <a class="button secondary" href="/dead-letters/${d.id}">Cancel</a>
        </div>
      </form>`,
  );
}
