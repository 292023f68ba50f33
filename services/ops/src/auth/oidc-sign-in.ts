import * as client from 'openid-client';
import { HttpError } from '@identity-relay/runtime';
import { actorOf } from './authenticator.js';
import { FetchBackoff } from './backoff.js';
import { claimAt, grantsOfClaims, roleOf, type Grant, type RoleMapping } from './roles.js';

/** The console as an OIDC client of the identity provider (authorization code + PKCE). */
export interface OidcSignInOptions extends RoleMapping {
  issuer: string;
  clientId: string;
  /** Unset: a public client (PKCE alone, no client authentication). */
  clientSecret?: string;
  /** OIDC_REDIRECT_URL: the console's `/login/oidc/callback` as the browser reaches it. */
  redirectUrl: string;
  /** (default=openid profile email) Space-separated. */
  scopes?: string;
  /** Refuse http:// issuers (production); otherwise plain http is allowed, for a local IdP. */
  requireHttps?: boolean;
}

/** What the browser must bring back to the callback: kept in a short-lived cookie, never sent to the IdP as is. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  /** The PKCE code verifier; only its S256 challenge went to the IdP. */
  verifier: string;
}

/** Who signed in and the grants their claims carry. */
export interface OidcIdentity {
  subject: string;
  name?: string;
  grants: Grant[];
}

/** The sign-in was refused: a wrong or missing state, an IdP error, a code that did not redeem, or no ops role. */
export class OidcSignInError extends HttpError {
  declare readonly status: 400 | 401 | 403;

  constructor(status: 400 | 401 | 403, message: string, options: { code: string; cause?: unknown }) {
    super(status, options.code, message, { cause: options.cause });
  }
}

/** The identity provider could not be reached (discovery or token endpoint); nothing is known about the user. */
export class OidcUnavailableError extends HttpError {
  constructor(
    cause: unknown,
    /** Whole seconds before discovery is tried again (0: the next sign-in may try at once). */
    readonly retryAfterSeconds = 0,
  ) {
    super(503, 'oidc_unavailable', 'the identity provider cannot be reached; try again later', {
      cause,
      ...(retryAfterSeconds > 0 && { headers: { 'Retry-After': String(retryAfterSeconds) } }),
    });
  }
}

/** Errors of openid-client that mean the IdP answered, and said no (or something invalid). */
const isRefusal = (err: unknown): boolean =>
  err instanceof client.AuthorizationResponseError ||
  err instanceof client.ResponseBodyError ||
  err instanceof client.ClientError;

/**
 * Console sign-in with any OpenID Connect provider (Authentik, Keycloak, Kratos/Hydra, Entra…): discovery on
 * first use, then per sign-in a fresh state, nonce and PKCE verifier; the callback redeems the code, checks the
 * ID token (signature against the issuer's JWKS, issuer, audience, expiry, nonce) and maps its claims to grants exactly as the API maps bearer
 * tokens (`grantsOfClaims`).
 */
export class OidcSignIn {
  private config: Promise<client.Configuration> | undefined;
  private readonly backoff: FetchBackoff;
  readonly scopes: string;

  constructor(
    private readonly opts: OidcSignInOptions,
    now: () => number = Date.now,
  ) {
    this.backoff = new FetchBackoff(now);
    const issuer = new URL(opts.issuer);
    if (issuer.protocol !== 'https:' && (opts.requireHttps || issuer.protocol !== 'http:'))
      throw new Error(`OIDC_ISSUER must be an https:// URL, got ${issuer.protocol}//${issuer.host}`);
    new URL(opts.redirectUrl);
    this.scopes = opts.scopes ?? 'openid profile email';
  }

  /** The IdP's host, for the sign-in button. */
  get issuerHost(): string {
    return new URL(this.opts.issuer).host;
  }

  /** Where to send the browser, and what its callback must match. */
  async start(): Promise<{ url: URL; pending: PendingSignIn }> {
    const config = await this.configuration();
    const pending: PendingSignIn = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.opts.redirectUrl,
      scope: this.scopes,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    });
    return { url, pending };
  }

  /**
   * The callback: `query` is the callback's query string. The state must be the pending one (else the answer
   * belongs to another browser or was forged); the code is redeemed with the PKCE verifier and the ID token's
   * nonce checked.
   * @throws OidcSignInError refused; OidcUnavailableError the IdP could not be reached.
   */
  async finish(query: URLSearchParams, pending: PendingSignIn | undefined): Promise<OidcIdentity> {
    if (!pending || query.get('state') !== pending.state)
      throw new OidcSignInError(400, 'the sign-in answer does not belong to this browser (state mismatch)', {
        code: 'oidc_state_mismatch',
      });
    const config = await this.configuration();
    const callback = new URL(this.opts.redirectUrl);
    callback.search = query.toString();
    let claims: Record<string, unknown>;
    let accessToken: string;
    try {
      const tokens = await client.authorizationCodeGrant(config, callback, {
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        pkceCodeVerifier: pending.verifier,
        idTokenExpected: true,
      });
      claims = { ...tokens.claims() };
      accessToken = tokens.access_token;
    } catch (err) {
      if (isRefusal(err))
        throw new OidcSignInError(
          401,
          `the identity provider did not sign you in: ${(err as Error).message}`,
          {
            code: 'oidc_refused',
            cause: err,
          },
        );
      throw new OidcUnavailableError(err);
    }
    if (claimAt(claims, this.opts.roleClaim) === undefined)
      claims = { ...(await this.userInfo(config, accessToken, String(claims.sub))), ...claims };
    const grants = grantsOfClaims(claims, this.opts);
    const who = actorOf(claims);
    // Like the API's 403, the answer names neither the claim nor the roles the console looks for.
    if (!roleOf(grants))
      throw new OidcSignInError(403, `the account ${who.name ?? who.subject} has no ops role`, {
        code: 'no_role',
      });
    return { subject: who.subject, ...(who.name ? { name: who.name } : {}), grants };
  }

  /** Claims the ID token left out (some IdPs put groups only in userinfo); none when there is no endpoint. */
  private async userInfo(
    config: client.Configuration,
    accessToken: string,
    subject: string,
  ): Promise<Record<string, unknown>> {
    if (!config.serverMetadata().userinfo_endpoint) return {};
    try {
      return { ...(await client.fetchUserInfo(config, accessToken, subject)) };
    } catch (err) {
      if (isRefusal(err)) return {};
      throw new OidcUnavailableError(err);
    }
  }

  /**
   * Discovery once. A failure is not kept, but the next attempt waits for the `FetchBackoff` (sign-ins meanwhile
   * are answered 503 with Retry-After, without asking the provider).
   */
  private configuration(): Promise<client.Configuration> {
    const { issuer, clientId, clientSecret, requireHttps } = this.opts;
    if (this.config) return this.config;
    const wait = this.backoff.waitSeconds();
    if (wait > 0) return Promise.reject(new OidcUnavailableError(undefined, wait));
    this.config = client
      .discovery(
        new URL(issuer),
        clientId,
        clientSecret,
        clientSecret === undefined ? client.None() : undefined,
        {
          timeout: 10,
          // The ID token comes straight from the token endpoint, so TLS already vouches for it; its signature is
          // checked against the issuer's JWKS all the same, so a proxy or DNS mistake cannot mint a sign-in.
          execute: requireHttps
            ? [client.enableNonRepudiationChecks]
            : [client.allowInsecureRequests, client.enableNonRepudiationChecks],
        },
      )
      .then((config) => {
        this.backoff.succeeded();
        return config;
      })
      .catch((err: unknown) => {
        this.config = undefined;
        this.backoff.failed();
        throw new OidcUnavailableError(err, this.backoff.waitSeconds());
      });
    return this.config;
  }
}
