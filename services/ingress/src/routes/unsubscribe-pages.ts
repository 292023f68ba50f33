import type { UnsubscribeTarget } from '@identity-relay/contracts';

// The few HTML pages a person sees when they follow an unsubscribe link in a browser. No scripts, no assets.

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}
button{font-size:1rem;padding:.6rem 1.2rem;cursor:pointer}</style></head>
<body><h1>${escape(title)}</h1>${body}</body></html>
`;
}

/** GET: says what the button does; a mail scanner that prefetches the link changes nothing. */
export function confirmationPage(t: UnsubscribeTarget): string {
  return page(
    'Unsubscribe',
    `<p>Stop emails of the list <strong>${escape(t.list)}</strong> to <strong>${escape(t.email)}</strong>?</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<input type="hidden" name="via" value="page"><button type="submit">Unsubscribe</button></form>`,
  );
}

export function donePage(t: UnsubscribeTarget): string {
  return page(
    'Unsubscribed',
    `<p><strong>${escape(t.email)}</strong> gets no more emails of the list <strong>${escape(t.list)}</strong>.</p>`,
  );
}

export function errorPage(status: number, message: string): string {
  return page(status === 429 ? 'Too many requests' : 'Link not valid', `<p>${escape(message)}</p>`);
}
