// The authenticator against a real local HTTP issuer whose discovery document or keys fail:
// backoff instead of a fetch per token, https-only in production, one answer for every bad token.
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError, AuthUnavailableError, createAuthenticator } from '../src/index.js';
import { listen, startTestIssuer } from './http-server.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const oidcFor = (issuer: string, extra: Record<string, unknown> = {}) => ({
  issuer,
  audience: 'ops',
  roleClaim: 'roles',
  readRole: 'r',
  operatorRole: 'o',
  ...extra,
});

async function failingIssuer(): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = await listen((_req, res) => {
    hits += 1;
    res.writeHead(500).end('down');
  });
  closers.push(server.close);
  return { url: server.url, hits: () => hits };
}

describe('OIDC key source', () => {
  it('backs off after a failed discovery: 100 tokens while the issuer is down cost one fetch, and answer 503', async () => {
    const down = await failingIssuer();
    const signer = await startTestIssuer('ops');
    closers.push(signer.close);
    const token = await signer.sign({ roles: ['o'] });
    const authenticate = createAuthenticator({ oidc: oidcFor(down.url) });
    for (let i = 0; i < 100; i++) {
      const error = await authenticate(token).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthUnavailableError);
    }
    expect(down.hits()).toBe(1);
  });

  it('backs off after a failed JWKS fetch too', async () => {
    const down = await failingIssuer();
    const signer = await startTestIssuer('ops');
    closers.push(signer.close);
    const token = await signer.sign({ roles: ['o'] }, { issuer: down.url });
    const authenticate = createAuthenticator({ oidc: oidcFor(down.url, { jwksUrl: `${down.url}/jwks` }) });
    for (let i = 0; i < 50; i++) await authenticate(token).catch(() => undefined);
    expect(down.hits()).toBe(1);
  });

  it('refuses http:// issuers and JWKS URLs when https is required (production), accepts them otherwise', async () => {
    expect(() =>
      createAuthenticator({ oidc: oidcFor('http://id.example.org', { requireHttps: true }) }),
    ).toThrow(/https/);
    expect(() =>
      createAuthenticator({
        oidc: oidcFor('https://id.example.org', {
          jwksUrl: 'http://id.example.org/jwks',
          requireHttps: true,
        }),
      }),
    ).toThrow(/https/);
    const signer = await startTestIssuer('ops');
    closers.push(signer.close);
    const token = await signer.sign({ roles: ['o'] });
    const relaxed = createAuthenticator({ oidc: oidcFor(signer.issuer) });
    expect((await relaxed(token)).role).toBe('operator');
  });

  it('tells the client nothing about why a token failed, and reports the reason to the hook', async () => {
    const signer = await startTestIssuer('ops');
    closers.push(signer.close);
    const reasons: string[] = [];
    const authenticate = createAuthenticator({
      oidc: oidcFor(signer.issuer),
      onRejected: (r) => reasons.push(r),
    });
    const expired = await signer.sign({ roles: ['o'] }, { expiresIn: Math.floor(Date.now() / 1000) - 120 });
    const foreign = await signer.sign({ roles: ['o'] }, { key: 'foreign' });
    const errors = await Promise.all(
      [expired, foreign, 'not-a-token'].map((t) =>
        authenticate(t).then(
          () => null,
          (e: unknown) => e as AuthError,
        ),
      ),
    );
    for (const e of errors) {
      expect(e).toBeInstanceOf(AuthError);
      expect([e?.status, e?.code, e?.message]).toEqual([401, 'invalid_token', 'invalid or expired token']);
    }
    expect(reasons.join('\n')).toMatch(/exp/);
  });
});
