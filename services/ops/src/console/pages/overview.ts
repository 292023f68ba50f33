import type { Stats } from '../../ops-service.js';
import type { DeadLetterGroup } from '../../store/views.js';
import { progressText } from '../../store/describe.js';
import { html, qs, relativeTime, type SafeHtml } from '../html.js';
import { layout, orDash, refreshToggle, REFRESH_SECONDS, type PageContext } from '../layout.js';

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
        <th scope="col">Replay progress</th>
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
            <td>${progressText(g.progress)}</td>
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
            <td class="num">${orDash(q.work?.messages)}</td>
            <td class="num">${orDash(q.work?.consumers)}</td>
            <td class="num">${orDash(q.retry?.messages)}</td>
            <td class="num">${orDash(q.dead?.messages)}</td>
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

export function overviewPage(
  ctx: PageContext,
  stats: Stats,
  groups: DeadLetterGroup[],
  refresh = false,
): string {
  const by = stats.deadLetters.byStatus;
  return layout(
    'Overview',
    ctx,
    html`${refreshToggle('/', {}, refresh)}
      <div class="cards">
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
      ${queuesTable(stats)} ${refreshToggle('/', {}, refresh)}`,
    { refreshSeconds: refresh ? REFRESH_SECONDS : undefined },
  );
}
