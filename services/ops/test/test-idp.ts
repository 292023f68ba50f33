// A real OpenID Connect provider (panva's oidc-provider, the certified implementation) on a free local port, as
// the console's identity provider in tests: authorization code + PKCE, ID tokens signed with a fresh RSA key,
// discovery and JWKS. The login step signs in whichever account the test chose (no forms to fill), consent is
// implied (a first-party client).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { OidcSignIn } from '../src/index.js';
import { listen } from './http-server.js';

export interface TestAccount {
  sub: string;
  email: string;
  preferred_username: string;
  roles: string[];
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** How often the provider's JWKS was fetched (the console checks ID token signatures against it). */
  jwksFetches(): number;
  /** The account the next login at the provider signs in. */
  signInAs(account: TestAccount): void;
  close(): Promise<void>;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- oidc-provider is untyped */
export async function startTestIdp(redirectUri: string): Promise<TestIdp> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'idp-key', alg: 'RS256', use: 'sig' };
  const accounts = new Map<string, TestAccount>();
  let next: TestAccount | undefined;
  // Created once the server's port (the issuer URL) is known.
  const idp: { provider?: any } = {};
  let jwksFetches = 0;
  const server = await listen((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/jwks') jwksFetches += 1;
    if (req.url?.startsWith('/interaction/')) return void finishInteraction(req, res);
    idp.provider.callback()(req, res);
  });
  const issuer = server.url;
  const clientId = 'ops-console';
  const clientSecret = 'console-secret-0123456789abcdef';

  async function finishInteraction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const details = await idp.provider.interactionDetails(req, res);
      if (details.prompt.name !== 'login' || !next)
        throw new Error(`unexpected prompt ${details.prompt.name}`);
      accounts.set(next.sub, next);
      await idp.provider.interactionFinished(req, res, { login: { accountId: next.sub } });
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  }

  idp.provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['test-idp-cookie-key'] },
    features: { devInteractions: { enabled: false } },
    ttl: {
      Interaction: 600,
      Grant: 600,
      Session: 600,
      AccessToken: 300,
      IdToken: 300,
      AuthorizationCode: 60,
    },
    // Scope claims in the ID token too (as Authentik does with its scope mappings), not only at userinfo.
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], email: ['email'], profile: ['preferred_username', 'roles'] },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx: unknown, id: string) {
      const account = accounts.get(id);
      return account ? { accountId: id, claims: () => ({ ...account }) } : undefined;
    },
    // A first-party client: consent is implied for the scopes the console asks for.
    async loadExistingGrant(ctx: any) {
      const existing = ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid profile email');
      await grant.save();
      ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId, grant.jti);
      return grant;
    },
  });
  return {
    issuer,
    clientId,
    clientSecret,
    jwksFetches: () => jwksFetches,
    signInAs(account) {
      next = account;
    },
    close: () => server.close(),
  };
}

/**
 * startConsole's `oidcSignIn` through a fresh test provider: roles come from the `roles` claim (ops-readers,
 * ops-operators, ops-pii); `started` receives the provider once the console's address (its callback) is known.
 */
export function testIdpSignIn(started: (idp: TestIdp) => void): (consoleUrl: string) => Promise<OidcSignIn> {
  return async (consoleUrl) => {
    const redirectUrl = `${consoleUrl}/login/oidc/callback`;
    const idp = await startTestIdp(redirectUrl);
    started(idp);
    return new OidcSignIn({
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      redirectUrl,
      roleClaim: 'roles',
      readRole: 'ops-readers',
      operatorRole: 'ops-operators',
      piiRole: 'ops-pii',
    });
  };
}
