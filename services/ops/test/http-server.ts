import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrismaClient } from '@identity-relay/db';
import { createLogger } from '@identity-relay/runtime';
import { Registry } from 'prom-client';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { createAuthenticator, createOpsApp, type createOps, SessionStore } from '../src/index.js';

export async function listen(
  handler: RequestListener,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A tiny OIDC issuer: discovery document and JWKS over local HTTP, and a signer for test tokens. */
export interface TestIssuer {
  issuer: string;
  sign(
    claims: JWTPayload,
    opts?: { expiresIn?: string | number; audience?: string; issuer?: string; key?: 'own' | 'foreign' },
  ): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIssuer(audience: string): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  let issuer = '';
  const http = await listen((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration')
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    else if (req.url === '/jwks') res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end('{}');
  });
  issuer = http.url;
  return {
    issuer,
    async sign(claims, opts = {}) {
      const key: CryptoKey = opts.key === 'foreign' ? foreign.privateKey : privateKey;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setIssuer(opts.issuer ?? issuer)
        .setAudience(opts.audience ?? audience)
        .setSubject(typeof claims.sub === 'string' ? claims.sub : 'user-1')
        .setIssuedAt()
        .setExpirationTime(opts.expiresIn ?? '5m')
        .sign(key);
    },
    close: () => http.close(),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the assertions
export type ApiBody = any;

/** Calls the ops API at `url` as JSON, with `token` as bearer unless the call says otherwise (`null`: none). */
export type ApiCall = (
  method: string,
  path: string,
  body?: unknown,
  opts?: { token?: string | null },
) => Promise<{ status: number; body: ApiBody }>;

export function apiClient(url: string, token: string): ApiCall {
  return async (method, path, body, opts = {}) => {
    const bearer = opts.token === undefined ? token : opts.token;
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

/** The ops HTTP API over `services`, signed in by `OPS_TOKEN` = `token`, on a free port, with a client for it. */
export async function serveOpsApi(
  prisma: PrismaClient,
  services: ReturnType<typeof createOps>,
  token: string,
): Promise<{ url: string; call: ApiCall; close(): Promise<void> }> {
  const app = createOpsApp({
    ...services,
    authenticate: createAuthenticator({ opsToken: token }),
    sessions: new SessionStore(prisma),
    logger: createLogger({ service: 'ops-test', level: 'silent' }),
    registry: new Registry(),
    checks: {},
  });
  const { url, close } = await listen(app);
  return { url, call: apiClient(url, token), close };
}
