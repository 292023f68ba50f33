import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OidcSignIn, OidcSignInError, OidcUnavailableError } from './oidc-sign-in.js';

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

  describe('discovery while the provider is down', () => {
    let server: Server | undefined;
    afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

    it('asks the provider once per backoff, answers the sign-ins in between 503 with Retry-After, and signs in once it is back', async () => {
      let healthy = false;
      let discoveries = 0;
      server = createServer((req, res) => {
        discoveries++;
        if (!healthy || req.url !== '/.well-known/openid-configuration') {
          res.writeHead(500).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            issuer,
            authorization_endpoint: `${issuer}/authorize`,
            token_endpoint: `${issuer}/token`,
            jwks_uri: `${issuer}/jwks`,
          }),
        );
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      let now = 1_000_000;
      const signIn = new OidcSignIn({ ...options, issuer }, () => now);

      const first = await signIn.start().catch((e: unknown) => e);
      expect(first).toBeInstanceOf(OidcUnavailableError);
      expect(first).toMatchObject({ status: 503, retryAfterSeconds: 1 });
      expect(discoveries).toBe(1);
      // Within the backoff: refused without a request to the provider.
      const second = await signIn.start().catch((e: unknown) => e);
      expect(second).toMatchObject({ status: 503, retryAfterSeconds: 1 });
      expect(discoveries).toBe(1);
      // After it: one more attempt, which fails again and doubles the wait.
      now += 1_000;
      expect(await signIn.start().catch((e: unknown) => e)).toMatchObject({ retryAfterSeconds: 2 });
      expect(discoveries).toBe(2);
      healthy = true;
      expect(await signIn.start().catch((e: unknown) => e)).toMatchObject({ retryAfterSeconds: 2 });
      expect(discoveries).toBe(2);
      now += 2_000;
      const { url } = await signIn.start();
      expect(url.href.startsWith(`${issuer}/authorize?`)).toBe(true);
      expect(discoveries).toBe(3);
    });
  });
});
