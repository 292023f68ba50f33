import { html } from '../html.js';
import { layout, type PageContext } from '../layout.js';

export function errorPage(ctx: PageContext, status: number, message: string): string {
  return layout(
    `Error ${status}`,
    ctx,
    html`<p class="notice bad" role="alert">${message}</p>
      <p><a href="/">Back to the overview</a></p>`,
  );
}
