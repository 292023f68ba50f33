import { createHash } from 'node:crypto';
import { variables } from '@identity-relay/runtime';
import {
  authentikToCanonical,
  isAuthentikUser,
  messageRoutes,
  MessageType,
  stableJson,
  type AuthentikUser,
  type AuthentikUserChangedData,
} from '@identity-relay/contracts';
import { createAuthentikCoreApi, failureCause, refusedResponse, type CoreApi } from '../authentik-api.js';
import type { IdentitySource, ListedIdentity } from '../types.js';
import { LOOKUP_CONCURRENCY, presentByLookups } from './lookups.js';
import { failureOfStatus, withRetries, type CallFailure } from './retry.js';

export interface AuthentikSourceOptions {
  /** AUTHENTIK_URL, e.g. `https://auth.example.com`. */
  baseUrl: string;
  /** AUTHENTIK_TOKEN: an API token allowed to view users, sent as `Authorization: Bearer`. */
  token: string;
  /** (default=RECONCILE_PAGE_SIZE's, 250) `page_size` asked for; Authentik cuts it to its own maximum, and page numbers still line up. */
  pageSize?: number;
  /** (default=30000, milliseconds) Timeout of one API call. */
  timeoutMs?: number;
  /** (default=8) Direct lookups confirming deletion candidates in flight at once. */
  lookupConcurrency?: number;
}

interface UsersPage {
  pagination?: { next?: number };
  results?: unknown[];
}

/**
 * Authentik's users API through the official client (`@goauthentik/api` CoreApi): `coreUsersListRaw` with
 * `page`/`page_size`/`ordering=pk`, following `pagination.next` until it is 0, and `coreUsersRetrieveRaw` (404 =
 * gone). The raw responses are read as JSON so users keep Authentik's wire shape (snake_case), which is what
 * `AuthentikUserChanged.user` carries and what the canonical mapping reads; the client's camelCase models are not.
 */
export function createAuthentikSource(opts: AuthentikSourceOptions): IdentitySource {
  const pageSize = opts.pageSize ?? variables.RECONCILE_PAGE_SIZE.default;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let core: Promise<CoreApi> | undefined;
  const api = () => (core ??= createAuthentikCoreApi({ baseUrl: opts.baseUrl, token: opts.token }));
  const init = () => ({ signal: AbortSignal.timeout(timeoutMs) });

  return {
    provider: 'authentik',
    hasModificationTime: false,
    async *pages() {
      let page = 1;
      for (;;) {
        const observedAt = new Date().toISOString();
        const body = await withRetries(
          `GET /api/v3/core/users/?page=${page}`,
          async () =>
            (await (
              await (await api()).coreUsersListRaw({ page, pageSize, ordering: 'pk' }, init())
            ).raw.json()) as UsersPage,
          classify,
        );
        if (!Array.isArray(body.results))
          throw new TypeError('GET /api/v3/core/users/ answered without results');
        yield body.results.filter(isAuthentikUser).map((user) => listed(user, observedAt));
        const next = body.pagination?.next ?? 0;
        if (!Number.isInteger(next) || next <= page) return;
        page = next;
      }
    },
    present: (externalIds) =>
      presentByLookups(externalIds, exists, opts.lookupConcurrency ?? LOOKUP_CONCURRENCY),
  };

  async function exists(externalId: string): Promise<boolean> {
    const id = Number(externalId);
    if (!Number.isSafeInteger(id)) return false;
    try {
      await withRetries(
        `GET /api/v3/core/users/${id}/`,
        async () => (await (await api()).coreUsersRetrieveRaw({ id }, init())).raw.body?.cancel(),
        classify,
      );
      return true;
    } catch (err) {
      if (classify((err as Error).cause).kind === 'not-found') return false;
      throw err;
    }
  }
}

function listed(user: AuthentikUser, observedAt: string): ListedIdentity {
  const wire = user as AuthentikUser & Record<string, unknown>;
  const canonical = authentikToCanonical(user, observedAt);
  const stamp =
    typeof wire.last_updated === 'string'
      ? wire.last_updated
      : createHash('sha256')
          .update(stableJson({ ...canonical, sourceUpdatedAt: undefined }))
          .digest('base64url');
  return {
    externalId: canonical.externalId,
    canonical,
    stamp,
    repair: (created) => {
      const data: AuthentikUserChangedData = {
        action: created ? 'created' : 'updated',
        pk: user.pk,
        user: wire,
        occurredAt: observedAt,
      };
      return {
        type: MessageType.AuthentikUserChanged,
        routingKey: messageRoutes.AuthentikUserChanged.routingKey(data),
        data,
      };
    },
  };
}

function classify(err: unknown): CallFailure {
  const refused = refusedResponse(err);
  if (refused) return failureOfStatus(refused.status);
  if (failureCause(err) !== err) return { kind: 'transient' };
  const name = (err as Error | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return { kind: 'transient' };
  return { kind: 'bad' };
}
