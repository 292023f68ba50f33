import type { Principal } from '../auth/authenticator.js';
import { html, type SafeHtml } from './html.js';

export interface PageContext {
  principal?: Principal;
  csrf?: string;
}

/** Every page: skip link, header with navigation and sign-out, one h1, main landmark. */
export function layout(title: string, ctx: PageContext, body: SafeHtml): string {
  const nav = ctx.principal
    ? html`<nav aria-label="Main">
          <a href="/">Overview</a>
          <a href="/dead-letters?status=open">Dead letters</a>
          <a href="/outbox">Outbox</a>
          <a href="/notifications">Notifications</a>
          <a href="/suppressions">Suppressions</a>
          <a href="/opt-outs">Opt-outs</a>
          <a href="/reconcile">Reconciliation</a>
        </nav>
        <span class="muted">${ctx.principal.actor} · ${ctx.principal.role}</span>
        <form method="post" action="/logout">
          <input type="hidden" name="_csrf" value="${ctx.csrf ?? ''}" />
          <button class="secondary" type="submit">Sign out</button>
        </form>`
    : html`<nav aria-label="Main"></nav>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
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

export function statusBadge(status: string): SafeHtml {
  return html`<span class="status status-${status}">${status}</span>`;
}

export function csrfField(ctx: PageContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf ?? ''}" />`;
}
