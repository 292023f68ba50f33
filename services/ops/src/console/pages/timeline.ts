import type { Timeline } from '../../identities/repository.js';
import type { FieldChange, TimelineEntry } from '../../identities/timeline.js';
import { html, qs, type SafeHtml } from '../html.js';
import { layout, refreshToggle, REFRESH_SECONDS, statusBadge, timeOf, type PageContext } from '../layout.js';
import { identityState } from './identities.js';

const json = (v: unknown): string => (v === undefined ? '—' : JSON.stringify(v));

function changesList(changes: FieldChange[]): SafeHtml {
  if (changes.length === 0) return html`<p class="muted">No field changed (or the payload was erased).</p>`;
  return html`<ul class="diff" aria-label="Changes">
    ${changes.map(
      (c) =>
        html`<li><code>${c.field}</code>: <del>${json(c.before)}</del> → <ins>${json(c.after)}</ins></li>`,
    )}
  </ul>`;
}

/** The headline and details of one timeline entry. */
function entryBody(e: TimelineEntry): SafeHtml {
  switch (e.kind) {
    case 'message':
      return html`<strong>${e.type}</strong> ${statusBadge(e.outcome)}
        ${e.version !== null ? html`→ version ${e.version}` : ''}
        <div class="muted">
          message <code>${e.messageId}</code> · occurred ${timeOf(e.occurredAt)}
          ${e.traceId ? html` · trace <code>${e.traceId}</code>` : ''}
        </div>`;
    case 'version':
      return html`<strong>Version ${e.version}</strong> (${e.change})
        ${e.published ? html`<span class="muted">IdentityChanged published</span>` : statusBadge('unpublished')}
        ${changesList(e.changes)}`;
    case 'membership':
      return html`<strong>${e.event}</strong>
        ${e.list === '*' ? 'every list' : html`list <code>${e.list}</code>`}
        <div class="muted">${e.email}${e.detail ? ` · ${e.detail}` : ''}</div>`;
    case 'email':
      return html`<strong
          ><a href="/notifications/${encodeURIComponent(e.notificationId)}${qs({ email: e.email })}"
            >${e.subject ?? e.topic ?? e.notificationId}</a
          ></strong
        >
        ${statusBadge(e.status)}
        <div class="muted">
          to ${e.email} · ${e.attempts}
          attempt(s)${e.smtpResponse ? html` · SMTP <code>${e.smtpResponse}</code>` : ''}
        </div>
        ${e.error ? html`<div class="error-text">${e.error}</div>` : ''}`;
    case 'dead-letter':
      return html`<strong><a href="/dead-letters/${e.id}">Dead letter on ${e.queue}</a></strong>
        ${statusBadge(e.status)}
        <div class="muted">${e.messageType ?? '?'} <code>${e.messageId ?? e.id}</code></div>
        <div class="error-text">${e.errorClass ?? 'Unknown'}: ${e.error ?? ''}</div>`;
  }
}

const KIND_LABEL: Record<TimelineEntry['kind'], string> = {
  message: 'message',
  version: 'version',
  membership: 'list',
  email: 'email',
  'dead-letter': 'dead letter',
};

export function timelinePage(ctx: PageContext, t: Timeline, refresh = false): string {
  const i = t.identity;
  const facts: Array<[string, unknown]> = [
    ['State', identityState(i)],
    ['Provider / external id', html`${i.provider} / <code>${i.externalId}</code>`],
    ['Identity id', html`<code>${i.id}</code>`],
    ['Email', i.email ? `${i.email}${i.emailVerified ? ' (verified)' : ' (not verified)'}` : '—'],
    ['Username', i.username ?? '—'],
    ['Version', String(i.version)],
    ['Changed at the IdP', timeOf(i.sourceUpdatedAt)],
    ...(i.erasedAt ? [['Erased', timeOf(i.erasedAt)] as [string, unknown]] : []),
  ];
  const erase =
    ctx.principal?.role === 'operator' && !i.erasedAt
      ? html`<a class="button danger" href="/identities/${i.id}/erase">Erase…</a>`
      : '';
  return layout(
    `Timeline of ${i.email ?? `${i.provider} ${i.externalId}`}`,
    ctx,
    html`<div class="actions">
        <a class="button secondary" href="/dead-letters${qs({ identityId: i.id })}"
          >Dead letters about them</a
        >
        <a class="button secondary" href="/audit${qs({ identityId: i.id })}">Audit</a>
        ${erase}
      </div>
      <dl class="facts">
        ${facts.map(
          ([k, v]) =>
            html`<dt>${k}</dt>
              <dd>${v}</dd>`,
        )}
      </dl>
      <h2>What happened, oldest first</h2>
      ${refreshToggle(`/identities/${i.id}`, {}, refresh)}
      ${
        t.entries.length === 0
          ? html`<p>Nothing recorded yet.</p>`
          : html`<ol class="timeline" aria-label="Timeline">
              ${t.entries.map(
                (e) =>
                  html`<li class="entry entry-${e.kind}">
                    <div class="when">${timeOf(e.at)} <span class="kind">${KIND_LABEL[e.kind]}</span></div>
                    <div class="what">${entryBody(e)}</div>
                  </li>`,
              )}
            </ol>`
      }`,
    { refreshSeconds: refresh ? REFRESH_SECONDS : undefined },
  );
}
