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
}

/**
 * Kratos' admin API through Ory's client (`@ory/kratos-client`, axios): `GET /admin/identities` with keyset
 * pagination (`page_size`, and the `page_token` of the `Link` header's `rel="next"`, which the client exposes
 * as the axios response's `headers.link`; no `next` = last page) and `GET /admin/identities/{id}` (404 = gone).
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
    async exists(externalId) {
      // A 404 is an answer here, not a failure: taken as a response, it costs no AxiosError (with its stack) and
      // no wrapping error per deletion candidate, about half the client's CPU of a lookup.
      const res = await withRetries(
        `GET /admin/identities/${externalId}`,
        async () => (await api()).getIdentity({ id: externalId }, { validateStatus: foundOrGone }),
        classify,
      );
      return res.status !== 404;
    },
  };
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
