import type { CoreApi } from '@goauthentik/api';
import { keepAliveFetch } from './keep-alive-fetch.js';

export type { CoreApi } from '@goauthentik/api';

export interface AuthentikApiOptions {
  /** AUTHENTIK_URL, Authentik's base URL, e.g. `https://auth.example.com` (the client adds `/api/v3`). */
  baseUrl: string;
  /** AUTHENTIK_TOKEN: an API token allowed to view users, sent as `Authorization: Bearer`. */
  token: string;
  /** (default=a keepAliveFetch of its own) Replaced only in tests (to count or delay calls without I/O). */
  fetch?: typeof fetch;
}

/**
 * The core API class and the client runtime, imported from their own modules instead of the package index: the
 * index loads every API and model (~960 modules; a bare node process measured ~650 ms of CPU and 88 MB resident
 * after it), these two ~120 modules (~120 ms, 57 MB).
 */
let loaded:
  | Promise<
      [
        typeof import('@goauthentik/api/dist/apis/CoreApi.js'),
        typeof import('@goauthentik/api/dist/runtime.js'),
      ]
    >
  | undefined;

/**
 * Authentik's core API through its official client (`@goauthentik/api`): the one construction of it, shared by the
 * reconciler (listing users) and identity-sync (enriching an event with its user), so both send the same base path
 * and credentials. The generated client is loaded on the first call: processes where Authentik is not configured
 * never pay for it. Non-2xx answers throw (see `refusedResponse`), network failures and
 * timeouts too (see `failureCause`).
 */
export async function createAuthentikCoreApi(opts: AuthentikApiOptions): Promise<CoreApi> {
  const [{ CoreApi }, { Configuration }] = await (loaded ??= Promise.all([
    import('@goauthentik/api/dist/apis/CoreApi.js'),
    import('@goauthentik/api/dist/runtime.js'),
  ]));
  return new CoreApi(
    new Configuration({
      basePath: `${opts.baseUrl.replace(/\/+$/, '')}/api/v3`,
      headers: { authorization: `Bearer ${opts.token}`, accept: 'application/json' },
      fetchApi: opts.fetch ?? keepAliveFetch(),
    }),
  );
}

/** The answer of a call the client threw for because it was not 2xx (its `ResponseError`), else undefined. */
export function refusedResponse(err: unknown): Response | undefined {
  return err instanceof Error && err.name === 'ResponseError'
    ? (err as Error & { response: Response }).response
    : undefined;
}

/** Why a call got no answer: the client wraps network errors and timeouts in a `FetchError` whose cause it is. */
export function failureCause(err: unknown): unknown {
  return err instanceof Error && err.name === 'FetchError' ? err.cause : err;
}
