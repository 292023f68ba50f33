import type { Request, RequestHandler, Response, Router } from 'express';
import type { Principal } from '../auth/authenticator.js';
import { seesPersonalData } from '../auth/roles.js';
import type {
  NotificationDetail,
  NotificationSummary,
  OptOutItem,
  Preview,
  RecipientsService,
  SuppressionItem,
} from '../recipients/service.js';
import { html, qs } from './html.js';
import { csrfField, layout, statusBadge, type PageContext } from './layout.js';
import { errorPage } from './pages.js';

export interface RecipientsPagesDeps {
  recipients: RecipientsService;
  signedIn: RequestHandler;
  /** CSRF check of a form POST. */
  checked: RequestHandler;
  operator: RequestHandler;
  page(res: Response, status: number, body: string): void;
  ctx(res: Response): PageContext;
}

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

function suppressionsPage(ctx: PageContext, items: SuppressionItem[], notice?: string): string {
  return layout(
    'Suppressed addresses',
    ctx,
    html`${notice ? html`<p class="notice good" role="status">${notice}</p>` : html``}
      <p class="muted">The mail server refused these addresses for good (5xx); no notification mails them.</p>
      ${
        items.length === 0
          ? html`<p>No suppressed addresses.</p>`
          : html`<table>
              <thead>
                <tr>
                  <th>Email</th>
                  <th>Since</th>
                  <th>Reason</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${items.map(
                  (s) =>
                    html`<tr>
                      <td>${s.email}</td>
                      <td>${s.suppressedAt}</td>
                      <td><code>${s.reason}</code></td>
                      <td>
                        <form method="post" action="/suppressions/remove">
                          ${csrfField(ctx)}
                          <input type="hidden" name="email" value="${s.email}" />
                          <button class="secondary" type="submit">Lift</button>
                        </form>
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }`,
  );
}

function optOutsPage(ctx: PageContext, items: OptOutItem[], notice?: string): string {
  return layout(
    'Opt-outs',
    ctx,
    html`${notice ? html`<p class="notice good" role="status">${notice}</p>` : html``}
      <p class="muted">People who unsubscribed from a list. Resubscribe only when they asked for it.</p>
      ${
        items.length === 0
          ? html`<p>No opt-outs.</p>`
          : html`<table>
              <thead>
                <tr>
                  <th>List</th>
                  <th>Email</th>
                  <th>Since</th>
                  <th>How</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${items.map(
                  (o) =>
                    html`<tr>
                      <td>${o.list}</td>
                      <td>${o.email}</td>
                      <td>${o.optedOutAt}</td>
                      <td>${o.method}</td>
                      <td>
                        <form method="post" action="/opt-outs/resubscribe">
                          ${csrfField(ctx)}
                          <input type="hidden" name="list" value="${o.list}" />
                          <input type="hidden" name="email" value="${o.email}" />
                          <button class="secondary" type="submit">Resubscribe</button>
                        </form>
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }`,
  );
}

const form = (req: Request): Record<string, unknown> => (req.body ?? {}) as Record<string, unknown>;

/** Console pages: notifications with per-recipient status and preview, suppressions, opt-outs. */
export function recipientsPages(router: Router, deps: RecipientsPagesDeps): void {
  const { recipients, signedIn, checked, operator, page, ctx } = deps;
  const actor = (res: Response) => (res.locals.principal as Principal).actor;
  const personal: RequestHandler = (_req, res, next) => {
    if (seesPersonalData((res.locals.principal as Principal).grants)) return next();
    page(
      res,
      403,
      errorPage(ctx(res), 403, 'Recipients are personal data: the operator role or pii grant is required.'),
    );
  };
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
    page(res, 200, suppressionsPage(ctx(res), (await recipients.suppressions({})).items, done));
  });
  router.post('/suppressions/remove', signedIn, checked, operator, async (req, res) => {
    const removed = await recipients.removeSuppression(form(req).email, actor(res));
    res.redirect(303, `/suppressions${qs({ lifted: removed.email })}`);
  });
  router.get('/opt-outs', signedIn, personal, async (req, res) => {
    const done =
      typeof req.query.resubscribed === 'string' ? `${req.query.resubscribed} was resubscribed.` : undefined;
    page(res, 200, optOutsPage(ctx(res), (await recipients.optOuts({})).items, done));
  });
  router.post('/opt-outs/resubscribe', signedIn, checked, operator, async (req, res) => {
    const done = await recipients.resubscribe(form(req).list, form(req).email, actor(res));
    res.redirect(303, `/opt-outs${qs({ resubscribed: `${done.email} (${done.list})` })}`);
  });
}
