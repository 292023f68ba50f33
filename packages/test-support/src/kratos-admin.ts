import { randomUUID } from 'node:crypto';
import { listen, sendJson } from './http-standin.js';
import { SortedStore } from './sorted-store.js';

/** An identity in the shape Kratos' admin API returns it (`GET /admin/identities[/{id}]`, no credentials). */
export type KratosAdminIdentity = Record<string, unknown> & {
  id: string;
  traits: Record<string, unknown>;
  updated_at: string;
  created_at: string;
};

/** Kratos' own default and largest `page_size` (keyset pagination, Kratos ≥ 1.0). */
export const KRATOS_DEFAULT_PAGE_SIZE = 250;
export const KRATOS_MAX_PAGE_SIZE = 1000;

/**
 * A time as Kratos prints it: RFC 3339 UTC with microseconds (Go's time.Time through Postgres). The digits below
 * the millisecond are `micros` (0..999, default random), as arbitrary as Kratos' own: half of them are ≥ 500, where
 * rounding and truncating to milliseconds differ.
 */
export function kratosTime(at: Date = new Date(), micros = Math.floor(Math.random() * 1000)): string {
  return at.toISOString().replace(/Z$/, `${String(micros).padStart(3, '0')}Z`);
}

/**
 * A complete admin-API identity of the edu schema (infra/kratos/identity.schema.json): traits, one email
 * verifiable address and one recovery address, `metadata_public` / `metadata_admin` (admin-only) and times with
 * microseconds. `verified` sets the address's `verified` / `status`.
 */
export function kratosAdminIdentity(
  over: { id?: string; email?: string; userType?: string; verified?: boolean; at?: Date } & Partial<
    Record<string, unknown>
  > = {},
): KratosAdminIdentity {
  const { id = randomUUID(), email, userType = 'educator', verified = true, at = new Date(), ...rest } = over;
  const address = email ?? `${id.slice(0, 8)}@school.example`;
  const time = kratosTime(at);
  return {
    id,
    schema_id: 'edu',
    schema_url: 'http://127.0.0.1:4433/schemas/ZWR1',
    state: 'active',
    state_changed_at: time,
    traits: { email: address, user_type: userType, name: { first: 'Ada', last: 'Lovelace' } },
    verifiable_addresses: [
      {
        id: randomUUID(),
        value: address,
        verified,
        via: 'email',
        status: verified ? 'completed' : 'sent',
        ...(verified ? { verified_at: time } : {}),
        created_at: time,
        updated_at: time,
      },
    ],
    recovery_addresses: [
      { id: randomUUID(), value: address, via: 'email', created_at: time, updated_at: time },
    ],
    metadata_public: null,
    metadata_admin: null,
    created_at: time,
    updated_at: time,
    organization_id: null,
    ...rest,
  };
}

export interface KratosAdminStandInOptions {
  /** When set, every call must send `Authorization: Bearer <token>` (the Ory Network); else 401. */
  token?: string;
}

/**
 * A stand-in for Kratos' admin identity API on a real HTTP server (127.0.0.1, free port):
 * - `GET /admin/identities?page_size=&page_token=`: a JSON array ordered by id (keyset pagination), with a
 *   `Link` header carrying `rel="first"` and, only when another page exists, `rel="next"`; the token is opaque.
 *   `page_size` outside 1..1000 answers 400 like Kratos.
 * - `GET /admin/identities/{id}`: the identity, or 404 with Kratos' herodot error body.
 * Tests change the directory behind the API's back (as the admin API or `kratos import` would, with no webhook).
 */
export interface KratosAdminStandIn {
  /** The admin base URL (KRATOS_ADMIN_URL). */
  url: string;
  put(identity: KratosAdminIdentity): void;
  remove(id: string): boolean;
  get(id: string): KratosAdminIdentity | undefined;
  ids(): readonly string[];
  size(): number;
  /** Calls served, by kind. */
  calls: { list: number; get: number; unauthorized: number };
  /** The next `n` calls (any route) answer `status` (e.g. 503). */
  failNext(n: number, status: number): void;
  /**
   * Leaves an identity out of listings while `GET /admin/identities/{id}` still finds it, as a page boundary moving
   * under a concurrent write does; `false` lists it again.
   */
  hideFromListing(id: string, hidden?: boolean): void;
  /** Runs before each listing page is answered (0-based index within the listing): lets a test change the directory mid-listing. */
  beforeListPage(hook: ((page: number) => Promise<void> | void) | null): void;
  close(): Promise<void>;
}

const notFound = {
  error: {
    code: 404,
    status: 'Not Found',
    reason: 'Unable to locate the resource',
    message: 'The requested resource could not be found',
  },
};

export async function startKratosAdminStandIn(
  opts: KratosAdminStandInOptions = {},
): Promise<KratosAdminStandIn> {
  const identities = new SortedStore<string, KratosAdminIdentity>();
  const sortedIds = identities.keys;
  const calls = { list: 0, get: 0, unauthorized: 0 };
  let failures = { left: 0, status: 503 };
  const hidden = new Set<string>();
  let pageHook: ((page: number) => Promise<void> | void) | null = null;
  let pagesServed = 0;

  const server = await listen((req, url, res) => {
    if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) {
      calls.unauthorized++;
      sendJson(res, 401, {
        error: { code: 401, status: 'Unauthorized', message: 'Access credentials are invalid' },
      });
      return;
    }
    if (failures.left > 0) {
      failures.left--;
      sendJson(res, failures.status, { error: { code: failures.status, message: 'injected failure' } });
      return;
    }
    if (req.method !== 'GET')
      return sendJson(res, 405, { error: { code: 405, message: 'method not allowed' } });
    if (url.pathname === '/admin/identities') {
      // Pages are counted per listing: a call without page_token starts a new one.
      pagesServed = url.searchParams.get('page_token') ? pagesServed + 1 : 0;
      const page = pagesServed;
      if (!pageHook) return list(url, res);
      void Promise.resolve(pageHook(page)).then(
        () => list(url, res),
        (err: unknown) => sendJson(res, 500, { error: { code: 500, message: String(err) } }),
      );
      return;
    }
    const one = /^\/admin\/identities\/([^/]+)$/.exec(url.pathname);
    if (one) {
      calls.get++;
      const identity = identities.get(decodeURIComponent(one[1]!));
      return identity ? sendJson(res, 200, identity) : sendJson(res, 404, notFound);
    }
    sendJson(res, 404, notFound);
  });

  function visibleFrom(index: number): boolean {
    for (let i = index; i < sortedIds.length; i++) if (!hidden.has(sortedIds[i]!)) return true;
    return false;
  }

  function list(url: URL, res: Parameters<Parameters<typeof listen>[0]>[2]): void {
    calls.list++;
    const sizeParam = url.searchParams.get('page_size');
    const pageSize = sizeParam === null ? KRATOS_DEFAULT_PAGE_SIZE : Number(sizeParam);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > KRATOS_MAX_PAGE_SIZE) {
      sendJson(res, 400, {
        error: { code: 400, status: 'Bad Request', message: 'page_size must be in 1..1000' },
      });
      return;
    }
    const token = url.searchParams.get('page_token');
    let after = '';
    if (token) {
      try {
        after = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k: string }).k;
      } catch {
        sendJson(res, 400, { error: { code: 400, status: 'Bad Request', message: 'invalid page_token' } });
        return;
      }
    }
    const start = after ? identities.upperBound(after) : 0;
    const ids: string[] = [];
    let end = start;
    for (; end < sortedIds.length && ids.length < pageSize; end++) {
      if (!hidden.has(sortedIds[end]!)) ids.push(sortedIds[end]!);
    }
    const links = [`</admin/identities?page_size=${pageSize}&page_token=${tokenAfter('')}>; rel="first"`];
    if (ids.length > 0 && visibleFrom(end)) {
      links.push(
        `</admin/identities?page_size=${pageSize}&page_token=${tokenAfter(ids[ids.length - 1]!)}>; rel="next"`,
      );
    }
    sendJson(
      res,
      200,
      ids.map((id) => identities.get(id)),
      { link: links.join(',') },
    );
  }

  return {
    url: server.url,
    calls,
    put: (identity) => identities.put(identity.id, identity),
    remove: (id) => identities.remove(id),
    get: (id) => identities.get(id),
    ids: () => sortedIds,
    size: () => identities.size,
    failNext(n, status) {
      failures = { left: n, status };
    },
    hideFromListing(id, hide = true) {
      if (hide) hidden.add(id);
      else hidden.delete(id);
    },
    beforeListPage(hook) {
      pageHook = hook;
    },
    close: () => server.close(),
  };
}

/** Kratos' tokens are opaque to clients; this one is base64url JSON of the last id, as ory/x's keyset pages. */
function tokenAfter(id: string): string {
  return Buffer.from(JSON.stringify({ k: id, o: 'asc' })).toString('base64url');
}
