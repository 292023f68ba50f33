import type { Response, Router } from 'express';
import type {
  NotificationDetail,
  NotificationSummary,
  OptOutItem,
  Preview,
  RecipientsService,
  SuppressionItem,
} from '../recipients/service.js';
import { html, qs } from './html.js';
import { form, type ConsoleKit } from './kit.js';
import { csrfField, layout, statusBadge, type PageContext } from './layout.js';

function counts(n: NotificationSummary) {
  return html`${Object.entries(n.counts).map(
    ([status, count]) => html`<span class="muted">${status}</span> <strong>${count}</strong> `,
  )}`;
}

function notificationsPage(ctx: PageContext, items: NotificationSummary[]): string {
  return layout(
    'Notifications',
    ctx,
    items.length === 0
      ? html`<p>No notifications yet.</p>`
      : html`<table>
          <thead>
            <tr>
              <th>Requested</th>
              <th>List</th>
              <th>Subject</th>
              <th>Recipients</th>
            </tr>
          </thead>
          <tbody>
            ${items.map(
              (n) =>
                html`<tr>
                  <td><a href="/notifications/${encodeURIComponent(n.id)}">${n.requestedAt}</a></td>
                  <td>${n.list}</td>
                  <td>${n.subject}</td>
                  <td>${counts(n)}</td>
                </tr>`,
            )}
          </tbody>
        </table>`,
  );
}

function previewBlock(p: Preview | undefined) {
  if (!p) return html``;
  return html`<section aria-label="Preview">
    <h2>Preview for ${p.email}</h2>
    <dl>
      <dt>Subject</dt>
      <dd>${p.subject}</dd>
    </dl>
    <h3>Text</h3>
    <pre>${p.text}</pre>
    ${
      p.html === null
        ? html``
        : html`<h3>HTML (source)</h3>
            <pre>${p.html}</pre>`
    }
    <p class="muted">As the notifier renders it, before it adds the unsubscribe footer and headers.</p>
  </section>`;
}

function notificationPage(ctx: PageContext, n: NotificationDetail, preview?: Preview): string {
  return layout(
    `Notification ${n.id}`,
    ctx,
    html`<p>
        List <strong>${n.list}</strong>, topic ${n.topic}, subject “${n.subject}”, requested ${n.requestedAt}.
      </p>
      <p>${counts(n)}</p>
      <form method="get" action="/notifications/${encodeURIComponent(n.id)}">
        <label
          >Preview for recipient <input name="email" type="email" required value="${preview?.email ?? ''}"
        /></label>
        <button type="submit">Preview</button>
      </form>
      ${previewBlock(preview)}
      <h2>Recipients</h2>
      <table>
        <thead>
          <tr>
            <th>Email</th>
            <th>Status</th>
            <th>Attempts</th>
            <th>SMTP response</th>
          </tr>
        </thead>
        <tbody>
          ${n.deliveries.map(
            (d) =>
              html`<tr>
                <td>
                  <a href="/notifications/${encodeURIComponent(n.id)}${qs({ email: d.email })}">${d.email}</a>
                </td>
                <td>${statusBadge(d.status)}</td>
                <td>${d.attempts}</td>
                <td><code>${d.smtpResponse ?? d.error ?? ''}</code></td>
              </tr>`,
          )}
        </tbody>
      </table>`,
  );
}

/** A list of addresses with one operator action per row (lift a suppression, resubscribe an opt-out). */
interface ActionList<T> {
  title: string;
  intro: string;
  empty: string;
  columns: string[];
  cells(item: T): unknown[];
  /** The row's form: where it posts, its hidden fields and its button. */
  action: { path: string; fields(item: T): Record<string, string>; button: string };
}

function actionListPage<T>(ctx: PageContext, list: ActionList<T>, items: T[], notice?: string): string {
  const row = (item: T) =>
    html`<tr>
      ${list.cells(item).map((c) => html`<td>${c}</td>`)}
      <td>
        <form method="post" action="${list.action.path}">
          ${csrfField(ctx)}
          ${Object.entries(list.action.fields(item)).map(
            ([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`,
          )}
          <button class="secondary" type="submit">${list.action.button}</button>
        </form>
      </td>
    </tr>`;
  return layout(
    list.title,
    ctx,
    html`${notice ? html`<p class="notice good" role="status">${notice}</p>` : ''}
      <p class="muted">${list.intro}</p>
      ${
        items.length === 0
          ? html`<p>${list.empty}</p>`
          : html`<table>
              <thead>
                <tr>
                  ${list.columns.map((c) => html`<th>${c}</th>`)}
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${items.map(row)}
              </tbody>
            </table>`
      }`,
  );
}

const SUPPRESSIONS: ActionList<SuppressionItem> = {
  title: 'Suppressed addresses',
  intro: 'The mail server refused these addresses for good (5xx); no notification mails them.',
  empty: 'No suppressed addresses.',
  columns: ['Email', 'Since', 'Reason'],
  cells: (s) => [s.email, s.suppressedAt, html`<code>${s.reason}</code>`],
  action: { path: '/suppressions/remove', fields: (s) => ({ email: s.email }), button: 'Lift' },
};

const OPT_OUTS: ActionList<OptOutItem> = {
  title: 'Opt-outs',
  intro: 'People who unsubscribed from a list. Resubscribe only when they asked for it.',
  empty: 'No opt-outs.',
  columns: ['List', 'Email', 'Since', 'How'],
  cells: (o) => [o.list, o.email, o.optedOutAt, o.method],
  action: {
    path: '/opt-outs/resubscribe',
    fields: (o) => ({ list: o.list, email: o.email }),
    button: 'Resubscribe',
  },
};

/** Console pages: notifications with per-recipient status and preview, suppressions, opt-outs. */
export function recipientsPages(router: Router, kit: ConsoleKit, recipients: RecipientsService): void {
  const { signedIn, checked, operator, personal, page, ctx } = kit;
  const actor = (res: Response) => kit.principal(res).actor;
  router.get('/notifications', signedIn, personal, async (_req, res) => {
    page(res, 200, notificationsPage(ctx(res), (await recipients.notifications({})).items));
  });
  router.get('/notifications/:id', signedIn, personal, async (req, res) => {
    const id = String(req.params.id);
    const email = typeof req.query.email === 'string' && req.query.email ? req.query.email : undefined;
    const [n, preview] = await Promise.all([
      recipients.notification(id),
      email ? recipients.preview(id, email) : Promise.resolve(undefined),
    ]);
    page(res, 200, notificationPage(ctx(res), n, preview));
  });
  router.get('/suppressions', signedIn, personal, async (req, res) => {
    const done =
      typeof req.query.lifted === 'string' ? `${req.query.lifted} is no longer suppressed.` : undefined;
    const { items } = await recipients.suppressions({});
    page(res, 200, actionListPage(ctx(res), SUPPRESSIONS, items, done));
  });
  router.post('/suppressions/remove', signedIn, checked, operator, async (req, res) => {
    const removed = await recipients.removeSuppression(form(req).email, actor(res));
    res.redirect(303, `/suppressions${qs({ lifted: removed.email })}`);
  });
  router.get('/opt-outs', signedIn, personal, async (req, res) => {
    const done =
      typeof req.query.resubscribed === 'string' ? `${req.query.resubscribed} was resubscribed.` : undefined;
    const { items } = await recipients.optOuts({});
    page(res, 200, actionListPage(ctx(res), OPT_OUTS, items, done));
  });
  router.post('/opt-outs/resubscribe', signedIn, checked, operator, async (req, res) => {
    const done = await recipients.resubscribe(form(req).list, form(req).email, actor(res));
    res.redirect(303, `/opt-outs${qs({ resubscribed: `${done.email} (${done.list})` })}`);
  });
}
