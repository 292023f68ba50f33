import type { BulkResult } from '../store/actions.js';
import type { DeadLetterFilter } from '../store/filter.js';
import { filterToJson, STATUSES } from '../store/filter.js';
import type { Page } from '../store/repository.js';
import type { DeadLetterDetail, DeadLetterGroup, DeadLetterItem } from '../store/views.js';
import type { Stats } from '../ops-service.js';
import type { OutboxMessage, OutboxPage } from './outbox.js';
import { html, qs, relativeTime, type SafeHtml } from './html.js';
import { csrfField, layout, statusBadge, type PageContext } from './layout.js';

const n = (v: number | undefined | null): string => (v === undefined || v === null ? '—' : String(v));

export function loginPage(csrf: string, error?: string): string {
  return layout(
    'Sign in',
    {},
    html`<div class="login">
      ${error ? html`<p class="notice bad" role="alert">${error}</p>` : ''}
      <form class="stack" method="post" action="/login">
        <input type="hidden" name="_csrf" value="${csrf}" />
        <label for="token">Ops token or OIDC access token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>
    </div>`,
  );
}

export function errorPage(ctx: PageContext, status: number, message: string): string {
  return layout(
    `Error ${status}`,
    ctx,
    html`<p class="notice bad" role="alert">${message}</p>
      <p><a href="/">Back to the overview</a></p>`,
  );
}

function groupsTable(groups: DeadLetterGroup[]): SafeHtml {
  if (groups.length === 0)
    return html`<p>No open dead letters. Nothing has failed, or everything was handled.</p>`;
  return html`<table>
    <caption class="sr-only">
      Open dead letters grouped by cause
    </caption>
    <thead>
      <tr>
        <th scope="col">Queue</th>
        <th scope="col">Type</th>
        <th scope="col">Error</th>
        <th scope="col" class="num">Count</th>
        <th scope="col">Last seen</th>
        <th scope="col">First seen</th>
      </tr>
    </thead>
    <tbody>
      ${groups.map(
        (g) =>
          html`<tr>
            <td>${g.queue}</td>
            <td>${g.messageType ?? '—'}</td>
            <td>
              <a href="/dead-letters${qs({ fingerprint: g.fingerprint, status: 'open' })}"
                >${g.errorClass ?? 'Unknown'}: ${g.error ?? ''}</a
              >
            </td>
            <td class="num">${g.count}</td>
            <td><time datetime="${g.lastSeen}" title="${g.lastSeen}">${relativeTime(g.lastSeen)}</time></td>
            <td>
              <time datetime="${g.firstSeen}" title="${g.firstSeen}">${relativeTime(g.firstSeen)}</time>
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function queuesTable(stats: Stats): SafeHtml {
  if (!stats.queues)
    return html`<p class="notice bad" role="status">
      The broker is not reachable: queue depths are unknown.
    </p>`;
  return html`<table>
    <caption class="sr-only">
      Messages ready in each queue
    </caption>
    <thead>
      <tr>
        <th scope="col">Queue</th>
        <th scope="col" class="num">Work</th>
        <th scope="col" class="num">Consumers</th>
        <th scope="col" class="num">Retry</th>
        <th scope="col" class="num">Dead (not yet archived)</th>
        <th scope="col" class="num">Open dead letters</th>
      </tr>
    </thead>
    <tbody>
      ${stats.queues.map(
        (q) =>
          html`<tr>
            <td>${q.queue}</td>
            <td class="num">${n(q.work?.messages)}</td>
            <td class="num">${n(q.work?.consumers)}</td>
            <td class="num">${n(q.retry?.messages)}</td>
            <td class="num">${n(q.dead?.messages)}</td>
            <td class="num">
              <a href="/dead-letters${qs({ queue: q.queue, status: 'open' })}"
                >${stats.deadLetters.openByQueue[q.queue] ?? 0}</a
              >
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function overviewPage(ctx: PageContext, stats: Stats, groups: DeadLetterGroup[]): string {
  const by = stats.deadLetters.byStatus;
  return layout(
    'Overview',
    ctx,
    html`<div class="cards">
        <div class="card">
          <div class="n">${by.open ?? 0}</div>
          <div>open</div>
        </div>
        <div class="card">
          <div class="n">${by.replayed ?? 0}</div>
          <div>replayed</div>
        </div>
        <div class="card">
          <div class="n">${by.discarded ?? 0}</div>
          <div>discarded</div>
        </div>
      </div>
      <h2>Failures by cause</h2>
      ${groupsTable(groups)}
      <h2>Queues</h2>
      ${queuesTable(stats)}`,
  );
}

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
            <td class="num">${n(i.attempts)}</td>
            <td>${statusBadge(i.status)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function listPage(ctx: PageContext, filter: DeadLetterFilter, page: Page): string {
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
    html`${filterForm(f)} ${bulk}
    ${page.items.length === 0 ? html`<p>No dead letters match.</p>` : itemsTable(page.items, 'Dead letters, newest first')}
    ${page.nextCursor ? html`<p><a href="/dead-letters${qs({ ...f, cursor: page.nextCursor })}">Next page</a></p>` : ''}`,
  );
}

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
    ['Attempts', n(d.attempts)],
    ['First failed', d.firstFailedAt ?? '—'],
    ['Dead-lettered', d.deadLetteredAt],
    ['Gave up', `${d.service ?? '?'} on ${d.host ?? '?'}`],
    ['Fingerprint', html`<a href="/dead-letters${qs({ fingerprint: d.fingerprint })}">${d.fingerprint}</a>`],
  ];
  const actions =
    ctx.principal?.role === 'operator'
      ? html`<div class="actions">
          <a class="button" href="/dead-letters/${d.id}/confirm?action=replay">Replay…</a>
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
      <h2>Body <span class="muted">(${d.body.size} bytes)</span></h2>
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

export function outboxPage(ctx: PageContext, dir: string, outbox: OutboxPage): string {
  const entries = outbox.entries;
  const nav =
    outbox.pages > 1
      ? html`<p>
          Page ${outbox.page} of ${outbox.pages} (${outbox.total} messages)
          ${outbox.page > 1 ? html`<a href="/outbox?page=${outbox.page - 1}">Newer</a>` : ''}
          ${outbox.page < outbox.pages ? html`<a href="/outbox?page=${outbox.page + 1}">Older</a>` : ''}
        </p>`
      : '';
  return layout(
    'Outbox',
    ctx,
    html`<p class="muted">
        Emails the notifier wrote as .eml files to <code>${dir}</code> (no SMTP server configured).
      </p>
      ${
        entries.length === 0
          ? html`<p>No messages.</p>`
          : html`<table>
              <caption class="sr-only">
                Emails in the outbox, newest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Written</th>
                  <th scope="col">To</th>
                  <th scope="col">Subject</th>
                  <th scope="col" class="num">Size</th>
                </tr>
              </thead>
              <tbody>
                ${entries.map(
                  (e) =>
                    html`<tr>
                      <td>
                        <a href="/outbox/${encodeURIComponent(e.name)}"
                          >${e.modified.replace('T', ' ').slice(0, 19)}</a
                        >
                      </td>
                      <td>${e.to}</td>
                      <td>${e.subject}</td>
                      <td class="num">${e.size}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
      ${nav}`,
  );
}

/** `bodyHidden`: only the (masked) header block is shown, the caller may not see personal data. */
export function outboxMessagePage(
  ctx: PageContext,
  name: string,
  message: OutboxMessage,
  bodyHidden = false,
): string {
  return layout(
    name,
    ctx,
    html`<p><a href="/outbox">Back to the outbox</a></p>
      ${bodyHidden ? html`<p class="notice" role="status">Headers only, emails masked: the message body needs the pii role.</p>` : ''}
      ${message.truncated ? html`<p class="notice" role="status">The first ${message.source.length} characters of ${message.size} bytes.</p>` : ''}
      <pre>${message.source}</pre>`,
  );
}
