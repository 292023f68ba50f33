import { randomUUID } from 'node:crypto';
import { listen, sendJson } from './http-standin.js';
import { SortedStore } from './sorted-store.js';

/** A user as Authentik's API returns it (`GET /api/v3/core/users/` results, `GET /api/v3/core/users/{pk}/`). */
export type AuthentikApiUser = Record<string, unknown> & { pk: number; username: string };

/** A complete user of Authentik 2025.x/2026.x's `User` serializer, with `attributes.user_type`. */
export function authentikApiUser(
  pk: number,
  over: { userType?: string; email?: string; at?: Date } & Record<string, unknown> = {},
): AuthentikApiUser {
  const { userType = 'educator', email, at = new Date('2026-05-01T10:00:00Z'), ...rest } = over;
  const time = at.toISOString().replace(/Z$/, '417Z');
  return {
    pk,
    username: `user${pk}`,
    name: `User ${pk}`,
    is_active: true,
    last_login: null,
    date_joined: time,
    is_superuser: false,
    groups: [],
    groups_obj: [],
    roles: [],
    email: email ?? `user${pk}@school.example`,
    avatar: 'https://secure.gravatar.com/avatar/x',
    attributes: { user_type: userType },
    uid: randomUUID().replaceAll('-', ''),
    path: 'users',
    type: 'internal',
    uuid: randomUUID(),
    password_change_date: time,
    last_updated: time,
    ...rest,
  };
}

export interface AuthentikUsersStandInOptions {
  /** API token every call must send as `Authorization: Bearer`; 403 otherwise (Authentik's answer). */
  token: string;
  /** (default=100) Authentik's `pagination.max_page_size`: larger `page_size` values are cut to it. */
  maxPageSize?: number;
}

/**
 * A stand-in for Authentik's users API on a real HTTP server (127.0.0.1, free port):
 * - `GET /api/v3/core/users/?page=&page_size=&ordering=pk`: page-number pagination, `{pagination: {next, previous,
 *   count, current, total_pages, start_index, end_index}, results, autocomplete}`; `next` is 0 on the last page.
 *   A page past the end answers 404 `{"detail": "Invalid page."}` as Django REST framework does.
 * - `GET /api/v3/core/users/{pk}/`: the user, or 404 `{"detail": "No User matches the given query."}`.
 */
export interface AuthentikUsersStandIn {
  /** AUTHENTIK_URL. */
  url: string;
  put(user: AuthentikApiUser): void;
  remove(pk: number): boolean;
  get(pk: number): AuthentikApiUser | undefined;
  size(): number;
  calls: { list: number; get: number; unauthorized: number };
  /** The next `n` calls answer `status`. */
  failNext(n: number, status: number): void;
  close(): Promise<void>;
}

export async function startAuthentikUsersStandIn(
  opts: AuthentikUsersStandInOptions,
): Promise<AuthentikUsersStandIn> {
  const users = new SortedStore<number, AuthentikApiUser>();
  const calls = { list: 0, get: 0, unauthorized: 0 };
  const maxPageSize = opts.maxPageSize ?? 100;
  let failures = { left: 0, status: 503 };

  const server = await listen((req, url, res) => {
    if (req.headers.authorization !== `Bearer ${opts.token}`) {
      calls.unauthorized++;
      sendJson(res, 403, { detail: 'Authentication credentials were not provided.' });
      return;
    }
    if (failures.left > 0) {
      failures.left--;
      sendJson(res, failures.status, { detail: 'injected failure' });
      return;
    }
    if (url.pathname === '/api/v3/core/users/') {
      calls.list++;
      const page = Number(url.searchParams.get('page') ?? '1');
      const pageSize = Math.min(maxPageSize, Number(url.searchParams.get('page_size') ?? '20'));
      if (!Number.isInteger(page) || page < 1 || !Number.isInteger(pageSize) || pageSize < 1) {
        sendJson(res, 404, { detail: 'Invalid page.' });
        return;
      }
      const count = users.size;
      const totalPages = Math.max(1, Math.ceil(count / pageSize));
      if (page > totalPages) return sendJson(res, 404, { detail: 'Invalid page.' });
      const start = (page - 1) * pageSize;
      const results = users.keys.slice(start, start + pageSize).map((pk) => users.get(pk));
      sendJson(res, 200, {
        pagination: {
          next: page < totalPages ? page + 1 : 0,
          previous: page > 1 ? page - 1 : 0,
          count,
          current: page,
          total_pages: totalPages,
          start_index: count === 0 ? 0 : start + 1,
          end_index: start + results.length,
        },
        results,
        autocomplete: {},
      });
      return;
    }
    const one = /^\/api\/v3\/core\/users\/(\d+)\/$/.exec(url.pathname);
    if (one) {
      calls.get++;
      const user = users.get(Number(one[1]));
      return user
        ? sendJson(res, 200, user)
        : sendJson(res, 404, { detail: 'No User matches the given query.' });
    }
    sendJson(res, 404, { detail: 'Not found.' });
  });

  return {
    url: server.url,
    calls,
    put: (user) => users.put(user.pk, user),
    remove: (pk) => users.remove(pk),
    get: (pk) => users.get(pk),
    size: () => users.size,
    failNext(n, status) {
      failures = { left: n, status };
    },
    close: () => server.close(),
  };
}
