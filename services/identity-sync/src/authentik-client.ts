import { PermanentError, TransientError } from '@identity-relay/bus';
import { isAuthentikUser, type AuthentikUser } from '@identity-relay/contracts';
import {
  createAuthentikCoreApi,
  failureCause,
  refusedResponse,
  type CoreApi,
} from '@identity-relay/reconcile/authentik-api';
import { variables } from '@identity-relay/runtime';
import pLimit from 'p-limit';

export interface AuthentikClientOptions {
  /** Authentik's base URL (AUTHENTIK_URL), e.g. `https://auth.example.com`. */
  baseUrl: string;
  /** API token (AUTHENTIK_TOKEN), sent as `Authorization: Bearer`. */
  token: string;
  /** (default=AUTHENTIK_TIMEOUT_MS's, milliseconds, 1..120000) Timeout of one call; a timeout is transient. */
  timeoutMs?: number;
  /**
   * (default=AUTHENTIK_CONCURRENCY's, requests, 1..256) AUTHENTIK_CONCURRENCY: calls in flight at once from this client, whichever path
   * makes them (one message or a whole batch); the rest wait in order. A batch would otherwise send one call per
   * message at once — hundreds per replica — and trip Authentik's rate limits. The timeout starts once a call
   * leaves the queue.
   */
  concurrency?: number;
  /** (default=the shared client's keepAliveFetch) The official client's `fetchApi`; replaced only to count calls in tests. */
  fetch?: typeof fetch;
}

/** The user, or `gone` when Authentik answers 404 (deleted since the event). */
export type UserLookup =
  { status: 'found'; user: AuthentikUser & Record<string, unknown> } | { status: 'gone' };

export interface AuthentikClient {
  /**
   * `GET /api/v3/core/users/{pk}/`. Throws TransientError (code AUTHENTIK_UNAVAILABLE) for timeouts, network
   * errors, 429 and 5xx, so the bus retries; PermanentError for 401/403 (AUTHENTIK_UNAUTHORIZED: the token is
   * wrong or lacks permission, retrying cannot help) and other unexpected answers (AUTHENTIK_BAD_RESPONSE).
   */
  getUser(pk: number): Promise<UserLookup>;
  /**
   * Loads the official client (once; `getUser` would on its first call). The worker awaits it before it consumes,
   * so the first messages of a newly started replica do not wait for the load.
   */
  load(): Promise<void>;
}

export function createAuthentikClient(opts: AuthentikClientOptions): AuthentikClient {
  const timeoutMs = opts.timeoutMs ?? variables.AUTHENTIK_TIMEOUT_MS.default;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 120_000) {
    throw new RangeError(`timeoutMs must be an integer from 1 to 120000, got ${timeoutMs}`);
  }
  // The same official client (and construction) the reconciler lists users with; loaded by `load` or the first lookup.
  let core: Promise<CoreApi> | undefined;
  const api = () =>
    (core ??= createAuthentikCoreApi({ baseUrl: opts.baseUrl, token: opts.token, fetch: opts.fetch }));
  // One per client, and the worker builds one client per process: both handler paths share the bound.
  const limit = pLimit(concurrencyOf(opts.concurrency));

  return {
    async getUser(pk) {
      if (!Number.isSafeInteger(pk))
        throw new PermanentError(`invalid Authentik user pk ${pk}`, { code: 'AUTHENTIK_BAD_PK' });
      // The permit is held until the body is read: the connection is busy until then.
      return limit(() => fetchUser(pk));
    },
    async load() {
      await api();
    },
  };

  async function fetchUser(pk: number): Promise<UserLookup> {
    const call = `GET /api/v3/core/users/${pk}/`;
    let res: Response;
    try {
      const client = await api();
      res = (await client.coreUsersRetrieveRaw({ id: pk }, { signal: AbortSignal.timeout(timeoutMs) })).raw;
    } catch (err) {
      // The client throws for any non-2xx answer: its status decides below, as for a 200.
      const refused = refusedResponse(err);
      if (!refused) {
        const cause = failureCause(err);
        const what = (cause as Error).name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : 'failed';
        throw new TransientError(`${call} ${what}`, { code: 'AUTHENTIK_UNAVAILABLE', cause });
      }
      res = refused;
    }
    const status = res.status;
    if (status === 404) {
      await res.body?.cancel();
      return { status: 'gone' };
    }
    if (status === 401 || status === 403) {
      await res.body?.cancel();
      throw new PermanentError(
        `Authentik refused AUTHENTIK_TOKEN (HTTP ${status}) for ${call}; check the token and its permissions`,
        {
          code: 'AUTHENTIK_UNAUTHORIZED',
        },
      );
    }
    if (status === 429 || status >= 500) {
      await res.body?.cancel();
      throw new TransientError(`${call} answered HTTP ${status}`, { code: 'AUTHENTIK_UNAVAILABLE' });
    }
    if (status !== 200) {
      await res.body?.cancel();
      throw new PermanentError(`${call} answered HTTP ${status}`, { code: 'AUTHENTIK_BAD_RESPONSE' });
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch (err) {
      // A body cut off by the timeout is transient; anything else that is not JSON will not improve.
      if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') {
        throw new TransientError(`${call} timed out reading the body`, {
          code: 'AUTHENTIK_UNAVAILABLE',
          cause: err,
        });
      }
      throw new PermanentError(`${call} answered with invalid JSON`, {
        code: 'AUTHENTIK_BAD_RESPONSE',
        cause: err,
      });
    }
    if (!isAuthentikUser(body) || body.pk !== pk) {
      throw new PermanentError(`${call} did not answer with user ${pk}`, {
        code: 'AUTHENTIK_BAD_RESPONSE',
      });
    }
    return { status: 'found', user: body as AuthentikUser & Record<string, unknown> };
  }
}

function concurrencyOf(value = variables.AUTHENTIK_CONCURRENCY.default): number {
  if (!Number.isInteger(value) || value < 1 || value > 256) {
    throw new RangeError(`concurrency must be an integer from 1 to 256, got ${value}`);
  }
  return value;
}
