import { describe, expect, it } from 'vitest';
import { OidcSignIn, OidcSignInError } from './oidc-sign-in.js';

const options = {
  issuer: 'https://id.example.org/application/o/ops/',
  clientId: 'ops-console',
  redirectUrl: 'https://ops.example.org/login/oidc/callback',
  roleClaim: 'groups',
  readRole: 'r',
  operatorRole: 'o',
};

describe('OidcSignIn', () => {
  it('refuses a plain-http issuer when https is required, and names the button after the issuer host', () => {
    expect(() => new OidcSignIn({ ...options, issuer: 'http://id.example.org', requireHttps: true })).toThrow(
      /https/,
    );
    expect(() => new OidcSignIn({ ...options, issuer: 'ftp://id.example.org' })).toThrow(/https/);
    const signIn = new OidcSignIn(options);
    expect(signIn.issuerHost).toBe('id.example.org');
    expect(signIn.scopes).toBe('openid profile email');
  });

  it('refuses a callback without the pending flow or with another state, before asking the provider anything', async () => {
    const signIn = new OidcSignIn(options);
    const query = new URLSearchParams({ code: 'c', state: 's' });
    for (const pending of [undefined, { state: 'other', nonce: 'n', verifier: 'v' }]) {
      const err = await signIn.finish(query, pending).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OidcSignInError);
      expect(err).toMatchObject({ status: 400, code: 'oidc_state_mismatch' });
    }
  });
});
