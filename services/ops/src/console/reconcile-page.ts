import type { Router } from 'express';
import type { Reconciler, RunRecord } from '@identity-relay/reconcile';
import { html, relativeTime, type SafeHtml } from './html.js';
import type { ConsoleKit } from './kit.js';
import { layout, statusBadge, type PageContext } from './layout.js';
import { UUID } from '../store/filter.js';

function runsTable(runs: RunRecord[]): SafeHtml {
  if (runs.length === 0) {
    return html`<p class="muted">
      No reconciliation has run yet. Start one with
      <code>npx identity-relay reconcile kratos --dry-run</code> or set <code>RECONCILE_INTERVAL</code>.
    </p>`;
  }
  return html`<table>
    <caption class="sr-only">
      Last reconciliation runs
    </caption>
    <thead>
      <tr>
        <th scope="col">Started</th>
        <th scope="col">Provider</th>
        <th scope="col">Status</th>
        <th scope="col">By</th>
        <th scope="col" class="num">Listed</th>
        <th scope="col" class="num">Created</th>
        <th scope="col" class="num">Updated</th>
        <th scope="col" class="num">Deleted</th>
        <th scope="col" class="num">Unchanged</th>
      </tr>
    </thead>
    <tbody>
      ${runs.map(
        (r) =>
          html`<tr>
            <td><a href="/reconcile/${r.id}" title="${r.startedAt}">${relativeTime(r.startedAt)}</a></td>
            <td>${r.provider}${r.dryRun ? html` <span class="muted">(dry run)</span>` : ''}</td>
            <td>${statusBadge(r.status)}</td>
            <td>${r.trigger}</td>
            <td class="num">${r.listed}</td>
            <td class="num">${r.created}</td>
            <td class="num">${r.updated}</td>
            <td class="num">${r.deleted}</td>
            <td class="num">${r.unchanged}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function driftTable(run: RunRecord): SafeHtml {
  if (run.drift.length === 0) return html`<p class="muted">Nothing drifted.</p>`;
  return html`<table>
    <caption class="sr-only">
      What drifted
    </caption>
    <thead>
      <tr>
        <th scope="col">Kind</th>
        <th scope="col">External id</th>
        <th scope="col">Fields that differed</th>
      </tr>
    </thead>
    <tbody>
      ${run.drift.map(
        (d) =>
          html`<tr>
            <td>${d.kind}</td>
            <td><code>${d.externalId}</code></td>
            <td>${(d.fields ?? []).join(', ')}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function reconcileRunsPage(ctx: PageContext, runs: RunRecord[]): string {
  return layout('Reconciliation', ctx, html`${runsTable(runs)}`);
}

export function reconcileRunPage(ctx: PageContext, run: RunRecord): string {
  const total = run.created + run.updated + run.deleted;
  return layout(
    `Reconciliation of ${run.provider}`,
    ctx,
    html`<dl class="facts">
        <dt>Status</dt>
        <dd>${statusBadge(run.status)}${run.dryRun ? ' (dry run: nothing was published)' : ''}</dd>
        <dt>Started</dt>
        <dd>${run.startedAt}</dd>
        <dt>Finished</dt>
        <dd>${run.finishedAt ?? '—'}</dd>
        <dt>Started by</dt>
        <dd>${run.trigger}</dd>
        <dt>Counts</dt>
        <dd>
          listed ${run.listed} · created ${run.created} · updated ${run.updated} · deleted ${run.deleted} ·
          unchanged ${run.unchanged}
        </dd>
        ${
          run.error
            ? html`<dt>Why</dt>
                <dd><p class="notice bad">${run.error}</p></dd>`
            : ''
        }
      </dl>
      <h2>What drifted</h2>
      ${total > run.drift.length ? html`<p class="muted">The first ${run.drift.length} of ${total}.</p>` : ''}
      ${driftTable(run)}
      <p><a href="/reconcile">All runs</a></p>`,
  );
}

/**
 * Console pages `/reconcile` (the last runs) and `/reconcile/:id` (one run and what drifted), behind the console's
 * session (`signedIn`). Starting runs stays with the API and the CLI.
 */
export function registerReconcilePages(router: Router, kit: ConsoleKit, reconciler: Reconciler): void {
  router.get('/reconcile', kit.signedIn, async (_req, res) => {
    kit.page(res, 200, reconcileRunsPage(kit.ctx(res), await reconciler.runs.list({ limit: 50 })));
  });
  router.get('/reconcile/:id', kit.signedIn, async (req, res) => {
    const id = String(req.params.id);
    const run = UUID.test(id) ? await reconciler.runs.get(id) : null;
    if (!run) return kit.fail(res, 404, 'No such reconciliation run.');
    kit.page(res, 200, reconcileRunPage(kit.ctx(res), run));
  });
}
