import type { Principal } from '../auth/authenticator.js';
import { html, type SafeHtml } from './html.js';

export interface PageContext {
  principal?: Principal;
  csrf?: string;
}

export interface LayoutOptions {
  /**
   * (seconds) The page reloads itself this often (a `<meta http-equiv="refresh">`, no script: the
   * CSP allows none). Lists offer it as a toggle, see `refreshToggle`.
   */
  refreshSeconds?: number;
  /** Go on to this same-site path at once (`<meta http-equiv="refresh" content="0;url=…">`). */
  redirectTo?: string;
}

const NAV: ReadonlyArray<readonly [string, string]> = [
  ['/', 'Overview'],
  ['/identities', 'Identities'],
  ['/dead-letters?status=open', 'Dead letters'],
  ['/audit', 'Audit'],
  ['/outbox', 'Outbox'],
  ['/notifications', 'Notifications'],
  ['/suppressions', 'Suppressions'],
  ['/opt-outs', 'Opt-outs'],
  ['/reconcile', 'Reconciliation'],
];

/** Every page: skip link, header with navigation and sign-out, one h1, main landmark. */
export function layout(title: string, ctx: PageContext, body: SafeHtml, opts: LayoutOptions = {}): string {
  const nav = ctx.principal
    ? html`<nav aria-label="Main">${NAV.map(([href, label]) => html`<a href="${href}">${label}</a>`)}</nav>
        <span class="muted who">${ctx.principal.actor} · ${ctx.principal.role}</span>
        <form method="post" action="/logout">
          <input type="hidden" name="_csrf" value="${ctx.csrf ?? ''}" />
          <button class="secondary" type="submit">Sign out</button>
        </form>`
    : html`<nav aria-label="Main"></nav>`;
  let refresh = opts.refreshSeconds
    ? html`<meta http-equiv="refresh" content="${opts.refreshSeconds}" />`
    : html``;
  if (opts.redirectTo) refresh = html`<meta http-equiv="refresh" content="0;url=${opts.redirectTo}" />`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${refresh}
        <title>${title} · identity-relay ops</title>
        <link rel="stylesheet" href="/console.css" />
      </head>
      <body>
        <a class="sr-only" href="#main">Skip to content</a>
        <header><span class="brand">identity-relay ops</span>${nav}</header>
        <main id="main">
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`.value;
}

/** (seconds) How often a list refreshes itself when the visitor turned that on. */
export const REFRESH_SECONDS = 15;

/**
 * A link that turns self-refresh on or off for a list page: `refresh=1` in the page's own query. `path`
 * and `query` are the page's, so the filter is kept.
 */
export function refreshToggle(path: string, query: Record<string, string>, on: boolean): SafeHtml {
  const params = new URLSearchParams(query);
  if (on) params.delete('refresh');
  else params.set('refresh', '1');
  const search = params.toString();
  return html`<p class="refresh">
    ${on ? html`<span class="muted">Refreshes every ${REFRESH_SECONDS} s.</span> ` : ''}<a
      href="${path}${search ? `?${search}` : ''}"
      >${on ? 'Stop refreshing' : `Refresh every ${REFRESH_SECONDS} s`}</a
    >
  </p>`;
}

export function statusBadge(status: string): SafeHtml {
  return html`<span class="status status-${status}">${status}</span>`;
}

export function csrfField(ctx: PageContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf ?? ''}" />`;
}

/** A number, or a dash when unknown. */
export const orDash = (v: number | undefined | null): string =>
  v === undefined || v === null ? '—' : String(v);

/** An ISO time as `2026-01-02 10:11:12` inside a `<time>`. */
export function timeOf(iso: string): SafeHtml {
  return html`<time datetime="${iso}">${iso.replace('T', ' ').slice(0, 19)}</time>`;
}
