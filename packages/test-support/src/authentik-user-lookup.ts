import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the stand-in answers for one user pk; consumed in order, the last one repeats. */
export type Answer =
  | { kind: 'user'; user: Record<string, unknown> }
  | { kind: 'status'; status: number; body?: unknown }
  | { kind: 'slow'; delayMs: number; then: Answer }
  /** Held (no answer yet) until the test calls `release()`, then answered with `then`. */
  | { kind: 'held'; then: Answer };

/** A realistic `GET /api/v3/core/users/{pk}/` answer (fields of Authentik's OpenAPI User model, reference §3.4). */
export function authentikUser(pk: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    pk,
    username: `user${pk}`,
    name: 'Jane Doe',
    is_active: true,
    last_login: null,
    date_joined: '2026-05-01T10:00:00.000000Z',
    is_superuser: false,
    groups: ['6a3b1f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b'],
    groups_obj: [
      {
        pk: '6a3b1f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
        num_pk: 1,
        name: 'teachers',
        is_superuser: false,
        parent: null,
        attributes: {},
      },
    ],
    email: `user${pk}@school.edu`,
    avatar: 'https://secure.gravatar.com/avatar/x',
    attributes: { user_type: 'educator' },
    uid: 'c0ffee',
    path: 'users',
    type: 'internal',
    uuid: '4b2f9c1e-7d3a-4e8b-9f0c-1a2b3c4d5e6f',
    password_change_date: '2026-05-01T10:00:00.000000Z',
    ...over,
  };
}

/** A local HTTP server standing in for Authentik's user lookup (Authentik itself cannot run here). */
export interface AuthentikStandIn {
  url: string;
  token: string;
  /** Script the answers for one pk. */
  script(pk: number, ...answers: Answer[]): void;
  /** Requests received, in order, with when they arrived (Date.now()). */
  requests: Array<{ path: string; authorization: string | undefined; at: number }>;
  /** Requests received and not yet answered (or abandoned by the client) now, and at most so far. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Requests held by a `held` answer now. */
  readonly held: number;
  /** Answers every request held now; returns how many. */
  release(): number;
  close(): Promise<void>;
}

export interface AuthentikStandInOptions {
  /** (default='ak-test-token') The Bearer token it accepts; anything else gets 403. */
  token?: string;
  /** (default=404 `{"detail":"Not found."}`) The answer for a pk nobody scripted. */
  fallback?: (pk: number) => Answer;
}

/**
 * `GET /api/v3/core/users/{pk}/` with answers scripted per pk (consumed in order, the last one repeats), 403
 * without the token, and the fallback for other pks. Used by identity-sync's tests, the end-to-end tests and the
 * scale benchmark.
 */
export async function startAuthentikStandIn(opts: AuthentikStandInOptions = {}): Promise<AuthentikStandIn> {
  const token = opts.token ?? 'ak-test-token';
  const scripts = new Map<number, Answer[]>();
  const requests: AuthentikStandIn['requests'] = [];
  const timers = new Set<NodeJS.Timeout>();
  const held: Array<() => void> = [];
  let inFlight = 0;
  let maxInFlight = 0;

  function respond(res: import('node:http').ServerResponse, answer: Answer): void {
    if (answer.kind === 'slow') {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!res.destroyed) respond(res, answer.then);
      }, answer.delayMs);
      timers.add(t);
      return;
    }
    if (answer.kind === 'held') {
      const answerNow = () => {
        if (!res.destroyed) respond(res, answer.then);
      };
      held.push(answerNow);
      // A request the client gave up on is no longer held.
      res.once('close', () => {
        const i = held.indexOf(answerNow);
        if (i >= 0) held.splice(i, 1);
      });
      return;
    }
    const status = answer.kind === 'user' ? 200 : answer.status;
    const body = answer.kind === 'user' ? answer.user : (answer.body ?? { detail: `status ${status}` });
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  const server: Server = createServer((req: IncomingMessage, res) => {
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization, at: Date.now() });
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    res.once('close', () => inFlight--); // answered, or the client gave up
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(403, { 'content-type': 'application/json' }).end('{"detail":"Token invalid/expired"}');
      return;
    }
    const match = /^\/api\/v3\/core\/users\/(\d+)\/$/.exec(req.url ?? '');
    const pk = match ? Number(match[1]) : NaN;
    const queue = scripts.get(pk);
    if (!queue || queue.length === 0) {
      if (opts.fallback && match) return respond(res, opts.fallback(pk));
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not found."}');
      return;
    }
    respond(res, queue.length > 1 ? queue.shift()! : queue[0]!);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    script: (pk, ...answers) => scripts.set(pk, answers),
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get held() {
      return held.length;
    },
    release() {
      const now = held.splice(0);
      for (const answer of now) answer();
      return now.length;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      held.length = 0;
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
