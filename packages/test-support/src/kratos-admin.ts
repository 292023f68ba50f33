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

/** Kratos' largest number of `ids` in one `GET /admin/identities` (identity/handler.go, Kratos ≥ 25.4). */
export const KRATOS_MAX_IDS_FILTER = 500;

export interface KratosAdminStandInOptions {
  /** When set, every call must send `Authorization: Bearer <token>` (the Ory Network); else 401. */
  token?: string;
  /**
   * (default=true) Whether `GET /admin/identities` honours `ids` (Kratos ≥ 1.1); `false` answers as Kratos 1.0 does,
   * which ignores the unknown parameter and lists everybody's first page.
   */
  idsFilter?: boolean;
}

/**
 * A stand-in for Kratos' admin identity API on a real HTTP server (127.0.0.1, free port):
 * - `GET /admin/identities?page_size=&page_token=`: a JSON array ordered by id (keyset pagination), with a
 *   `Link` header carrying `rel="first"` and, only when another page exists, `rel="next"`; the token is opaque.
 *   `page_size` outside 1..1000 answers 400.
 * - `GET /admin/identities?ids=<id>&ids=<id>…` (unless `idsFilter: false`): only those identities, as Kratos ≥ 1.1
 *   filters the same keyset pages (`page_size` and `page_token` still apply, the links keep the `ids`); unknown ids
 *   are left out, identities hidden from listings are found, a value that is not a UUID or more than 500 ids
 *   answer 400 as Kratos ≥ 25.4 does.
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
  /** Calls served, by kind: `list` counts listing pages, `ids` the `ids`-filtered ones. */
  calls: { list: number; ids: number; get: number; unauthorized: number };
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
  const calls = { list: 0, ids: 0, get: 0, unauthorized: 0 };
  const idsFilter = opts.idsFilter ?? true;
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
      if (idsFilter && url.searchParams.has('ids')) return list(url, res, url.searchParams.getAll('ids'));
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

  /** A listing page, or (`filter`) a page of only the identities with those ids, hidden ones included. */
  function list(url: URL, res: Parameters<Parameters<typeof listen>[0]>[2], filter?: string[]): void {
    if (filter) calls.ids++;
    else calls.list++;
    const badId = filter?.find((id) => !UUID.test(id));
    if (badId !== undefined || (filter && filter.length > KRATOS_MAX_IDS_FILTER)) {
      const message =
        badId !== undefined
          ? `Invalid UUID value \`${badId}\` for parameter \`ids\`.`
          : 'The number of ids to filter must not exceed 500.';
      sendJson(res, 400, { error: { code: 400, status: 'Bad Request', reason: message } });
      return;
    }
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
    const ids: string[] = [];
    let more: boolean;
    if (filter) {
      const wanted = [...new Set(filter)].filter((id) => id > after && identities.get(id)).sort();
      ids.push(...wanted.slice(0, pageSize));
      more = wanted.length > pageSize;
    } else {
      let end = after ? identities.upperBound(after) : 0;
      for (; end < sortedIds.length && ids.length < pageSize; end++) {
        if (!hidden.has(sortedIds[end]!)) ids.push(sortedIds[end]!);
      }
      more = ids.length > 0 && visibleFrom(end);
    }
    const links = [`<${linkTo(url, pageSize, '')}>; rel="first"`];
    if (more) links.push(`<${linkTo(url, pageSize, ids[ids.length - 1]!)}>; rel="next"`);
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A page's link: the request's query (its `ids` too, as Kratos' keyset header keeps it) at another page. */
function linkTo(url: URL, pageSize: number, after: string): string {
  const query = new URLSearchParams(url.searchParams);
  query.set('page_size', String(pageSize));
  query.set('page_token', tokenAfter(after));
  return `/admin/identities?${query.toString()}`;
}

/** Kratos' tokens are opaque to clients; this one is base64url JSON of the last id, as ory/x's keyset pages. */
function tokenAfter(id: string): string {
  return Buffer.from(JSON.stringify({ k: id, o: 'asc' })).toString('base64url');
}
