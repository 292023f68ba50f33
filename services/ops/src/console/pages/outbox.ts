import { html } from '../html.js';
import { layout, type PageContext } from '../layout.js';
import type { OutboxMessage, OutboxPage } from '../outbox.js';

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
