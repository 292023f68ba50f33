import { variables } from '@identity-relay/runtime';
import type { IdentityApi } from '@ory/kratos-client';
import {
  kratosToCanonical,
  messageRoutes,
  MessageType,
  type KratosIdentity,
  type KratosIdentityUpdatedData,
} from '@identity-relay/contracts';
import type { IdentitySource, ListedIdentity } from '../types.js';
import { LOOKUP_CONCURRENCY, mapLimit, presentByLookups } from './lookups.js';
import { failureOfStatus, withRetries, type CallFailure } from './retry.js';

export interface KratosSourceOptions {
  /** KRATOS_ADMIN_URL, e.g. `http://kratos:4434` (self-hosted admin port) or `https://<slug>.projects.oryapis.com`. */
  adminUrl: string;
  /** KRATOS_ADMIN_TOKEN, sent as `Authorization: Bearer` (Ory Network); none for a self-hosted admin port. */
  token?: string;
  /** (default=RECONCILE_PAGE_SIZE's, 250; 1..1000) `page_size` of each listing call. */
  pageSize?: number;
  /** (default=30000, milliseconds) Timeout of one admin-API call. */
  timeoutMs?: number;
  /** (default=8) Admin-API calls confirming deletion candidates in flight at once. */
  lookupConcurrency?: number;
}

/**
 * (ids) Deletion candidates asked for in one `GET /admin/identities?ids=…`. Kratos takes up to 500; 100 UUIDs keep
 * the request line near 4 KB, under the 8 KB that proxies in front of an admin port commonly accept (nginx's
 * default `large_client_header_buffers`), and the page size set to match keeps the answer one page.
 */
const IDS_PER_LOOKUP = 100;

/** Kratos' identity ids; anything else cannot be in an `ids` filter (Kratos answers 400) and is looked up alone. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Kratos' admin API through Ory's client (`@ory/kratos-client`, axios): `GET /admin/identities` with keyset
 * pagination (`page_size`, and the `page_token` of the `Link` header's `rel="next"`, which the client exposes
 * as the axios response's `headers.link`; no `next` = last page). Deletion candidates are confirmed in bulk with
 * `GET /admin/identities?ids=…` (Kratos ≥ 1.1: the identities among them that exist); where that is not honoured
 * (an older Kratos lists everybody instead) each is looked up with `GET /admin/identities/{id}` (404 = gone).
 */
export function createKratosSource(opts: KratosSourceOptions): IdentitySource {
  const pageSize = opts.pageSize ?? variables.RECONCILE_PAGE_SIZE.default;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new RangeError(`pageSize must be an integer from 1 to 1000, got ${pageSize}`);
  }
  // Ory's client (with axios) is loaded on first use: processes that never list Kratos do not carry it.
  let client: Promise<IdentityApi> | undefined;
  const api = () =>
    (client ??= import('@ory/kratos-client').then(
      ({ Configuration, IdentityApi }) =>
        new IdentityApi(
          new Configuration({
            basePath: opts.adminUrl.replace(/\/+$/, ''),
            // The client puts `apiKey` into the Authorization header as it is (security scheme oryAccessToken).
            apiKey: opts.token ? `Bearer ${opts.token}` : undefined,
            baseOptions: { timeout: opts.timeoutMs ?? 30_000 },
          }),
        ),
    ));

  const concurrency = opts.lookupConcurrency ?? LOOKUP_CONCURRENCY;
  /** Whether this Kratos honours `ids`: unknown until its first answer to them; `false` stays. */
  let idsFilter: boolean | undefined;

  return {
    provider: 'kratos',
    hasModificationTime: true,
    async *pages() {
      let pageToken: string | undefined;
      for (;;) {
        const observedAt = new Date().toISOString();
        const res = await withRetries(
          'GET /admin/identities',
          async () => (await api()).listIdentities({ pageSize, pageToken }),
          classify,
        );
        if (!Array.isArray(res.data))
          throw new TypeError('GET /admin/identities did not answer with an array');
        yield res.data.map((identity) => listed(identity as unknown as KratosIdentity, observedAt));
        const next = nextPageToken(res.headers.link);
        if (!next || res.data.length === 0) return;
        pageToken = next;
      }
    },
    async present(externalIds) {
      const bulk: string[] = [];
      const single: string[] = [];
      for (const id of externalIds) (idsFilter !== false && UUID.test(id) ? bulk : single).push(id);
      const present = new Set<string>();
      const batches: string[][] = [];
      for (let i = 0; i < bulk.length; i += IDS_PER_LOOKUP) batches.push(bulk.slice(i, i + IDS_PER_LOOKUP));
      const lookUp = async (ids: string[]) => {
        const found = idsFilter === false ? null : await presentAmong(ids);
        if (found === null) single.push(...ids);
        else for (const id of found) present.add(id);
      };
      // While it is unknown whether `ids` is honoured, the first batch goes alone: a Kratos that ignores it would
      // answer each call in flight with a page of everybody.
      if (idsFilter === undefined && batches.length > 0) await lookUp(batches.shift()!);
      await mapLimit(batches, concurrency, lookUp);
      for (const id of await presentByLookups(single, exists, concurrency)) present.add(id);
      return present;
    },
  };

  /**
   * The identities among `ids` (≤ IDS_PER_LOOKUP UUIDs) that Kratos has, from one `ids`-filtered list call; `null`
   * when the answer cannot be one (`idsFilter` then stays off for this source's life): an identity that was not asked
   * for (Kratos < 1.1 ignores `ids` and lists everybody's first page), a further page, or a 400/414/431 refusing
   * the filter or the request line. Only an answer made of asked-for identities can say the others are gone.
   */
  async function presentAmong(ids: string[]): Promise<Set<string> | null> {
    const res = await withRetries(
      `GET /admin/identities?ids=… (${ids.length} ids)`,
      async () =>
        (await api()).listIdentities({ ids, pageSize: ids.length }, { validateStatus: answerOrRefusal }),
      classify,
    );
    const asked = new Set(ids);
    const found = new Set<string>();
    const answered = res.status === 200 && Array.isArray(res.data) ? res.data : null;
    for (const identity of answered ?? []) {
      if (!asked.has(identity.id)) return notHonoured();
      found.add(identity.id);
    }
    if (answered === null || nextPageToken(res.headers.link)) return notHonoured();
    idsFilter ??= true;
    return found;
  }

  function notHonoured(): null {
    idsFilter = false;
    return null;
  }

  async function exists(externalId: string): Promise<boolean> {
    // A 404 is an answer here, not a failure: taken as a response, it costs no AxiosError (with its stack) and
    // no wrapping error per deletion candidate, about half the client's CPU of a lookup.
    const res = await withRetries(
      `GET /admin/identities/${externalId}`,
      async () => (await api()).getIdentity({ id: externalId }, { validateStatus: foundOrGone }),
      classify,
    );
    return res.status !== 404;
  }
}

/** Statuses a lookup by `ids` takes as answers: 2xx, and the refusals after which single GETs are tried instead. */
function answerOrRefusal(status: number): boolean {
  return (status >= 200 && status < 300) || status === 400 || status === 414 || status === 431;
}

/** Statuses `exists` takes as answers: 2xx (the identity) and 404 (gone); any other is a failure, as usual. */
function foundOrGone(status: number): boolean {
  return (status >= 200 && status < 300) || status === 404;
}

function listed(identity: KratosIdentity, observedAt: string): ListedIdentity {
  const canonical = kratosToCanonical(identity, observedAt);
  return {
    externalId: identity.id,
    canonical,
    stamp: canonical.sourceUpdatedAt,
    repair: () => {
      // Copied only for the few that drifted. The webhook's ctx.identity has neither; metadata_admin is admin-only
      // data that has no business on the bus.
      const {
        metadata_admin: _admin,
        credentials: _credentials,
        ...published
      } = identity as KratosIdentity & Record<string, unknown>;
      const data: KratosIdentityUpdatedData = { identity: published as KratosIdentity };
      return {
        type: MessageType.KratosIdentityUpdated,
        routingKey: messageRoutes.KratosIdentityUpdated.routingKey(data),
        data,
      };
    },
  };
}

/** The `page_token` of the `rel="next"` link of a Link header (RFC 8288), if any. */
export function nextPageToken(link: unknown): string | undefined {
  if (typeof link !== 'string') return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (!match || !/\brel\s*=\s*"?next"?/i.test(match[2]!)) continue;
    // Some ory/x versions query-escape the whole target (`%2Fadmin%2Fidentities%3Fpage_size%3D…`): unescape it.
    const target = match[1]!.includes('?') ? match[1]! : decodeURIComponent(match[1]!);
    const token = new URL(target, 'http://kratos.invalid').searchParams.get('page_token');
    if (token) return token;
  }
  return undefined;
}

function classify(err: unknown): CallFailure {
  const e = err as { isAxiosError?: boolean; response?: { status?: number } };
  if (e?.isAxiosError) return failureOfStatus(e.response?.status);
  return { kind: 'bad' };
}
