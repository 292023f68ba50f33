import { describe, expect, it } from 'vitest';
import { html } from './html.js';
import { layout, refreshToggle } from './layout.js';
import { loginPage, signedInPage } from './pages/login.js';

describe('layout', () => {
  it('refreshes itself only when asked, and a toggle keeps the page’s filter', () => {
    expect(layout('T', {}, html``)).not.toContain('http-equiv="refresh"');
    expect(layout('T', {}, html``, { refreshSeconds: 15 })).toContain(
      '<meta http-equiv="refresh" content="15" />',
    );
    expect(refreshToggle('/dead-letters', { queue: 'notifier' }, false).value).toContain(
      'href="/dead-letters?queue=notifier&amp;refresh=1"',
    );
    expect(refreshToggle('/dead-letters', { queue: 'notifier', refresh: '1' }, true).value).toContain(
      'href="/dead-letters?queue=notifier"',
    );
  });

  it('has the phone viewport and the navigation to every area', () => {
    const page = layout(
      'T',
      { principal: { actor: 'a', subject: 'a', role: 'read', grants: ['read'] } },
      html``,
    );
    expect(page).toContain('name="viewport" content="width=device-width, initial-scale=1"');
    for (const href of ['/identities', '/audit', '/dead-letters?status=open'])
      expect(page).toContain(`href="${href}"`);
  });
});

describe('sign-in pages', () => {
  it('shows the identity provider button only when OIDC sign-in is configured, escaped', () => {
    expect(loginPage('c')).not.toContain('/login/oidc');
    const page = loginPage('c', { oidcLabel: 'Sign in with <id.example.org>', error: 'No <role>' });
    expect(page).toContain('href="/login/oidc">Sign in with &lt;id.example.org&gt;</a>');
    expect(page).toContain('No &lt;role&gt;');
  });

  it('moves on to the overview by itself after the callback', () => {
    expect(signedInPage('ada')).toContain('<meta http-equiv="refresh" content="0;url=/" />');
  });
});
