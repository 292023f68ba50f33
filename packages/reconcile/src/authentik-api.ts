import { Configuration, CoreApi } from '@goauthentik/api';

export { CoreApi, FetchError, ResponseError } from '@goauthentik/api';

export interface AuthentikApiOptions {
  /** AUTHENTIK_URL, Authentik's base URL, e.g. `https://auth.example.com` (the client adds `/api/v3`). */
  baseUrl: string;
  /** AUTHENTIK_TOKEN: an API token allowed to view users, sent as `Authorization: Bearer`. */
  token: string;
  /** (default=globalThis.fetch) Replaced only in tests (to count or delay calls without I/O). */
  fetch?: typeof fetch;
}

/**
 * Authentik's core API through its official client (`@goauthentik/api`): the one construction of it, shared by the
 * reconciler (listing users) and identity-sync (enriching an event with its user), so both send the same base path
 * and credentials. Non-2xx answers throw `ResponseError` (with the `Response`), network failures and timeouts
 * `FetchError` (the original error as `cause`).
 */
export function createAuthentikCoreApi(opts: AuthentikApiOptions): CoreApi {
  return new CoreApi(
    new Configuration({
      basePath: `${opts.baseUrl.replace(/\/+$/, '')}/api/v3`,
      headers: { authorization: `Bearer ${opts.token}`, accept: 'application/json' },
      fetchApi: opts.fetch,
    }),
  );
}
