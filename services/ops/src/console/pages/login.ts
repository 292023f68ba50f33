import { html } from '../html.js';
import { layout } from '../layout.js';

export interface LoginOptions {
  error?: string;
  /** Set when OIDC sign-in is configured: the button's label (`Sign in with <issuer host>`). */
  oidcLabel?: string;
}

/** The sign-in page: a button for the identity provider when OIDC sign-in is set up, and the token form. */
export function loginPage(csrf: string, opts: LoginOptions = {}): string {
  return layout(
    'Sign in',
    {},
    html`<div class="login">
      ${opts.error ? html`<p class="notice bad" role="alert">${opts.error}</p>` : ''}
      ${
        opts.oidcLabel
          ? html`<p><a class="button" href="/login/oidc">${opts.oidcLabel}</a></p>
              <p class="muted">or with a token:</p>`
          : ''
      }
      <form class="stack" method="post" action="/login">
        <input type="hidden" name="_csrf" value="${csrf}" />
        <label for="token">Ops token or OIDC access token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>
    </div>`,
  );
}

/** After the IdP's callback: a same-site step to the overview, so the Strict session cookie goes along. */
export function signedInPage(who: string): string {
  return layout(
    'Signed in',
    {},
    html`<div class="login">
      <p class="notice" role="status">Signed in as ${who}.</p>
      <p><a class="button" href="/">Continue to the console</a></p>
    </div>`,
    { redirectTo: '/' },
  );
}
