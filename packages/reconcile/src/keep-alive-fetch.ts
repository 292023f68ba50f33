import http from 'node:http';
import https from 'node:https';

/** Statuses whose Response must have no body (the WHATWG constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * The `fetch` the generated Authentik client calls, over node:http(s) with one keep-alive agent per scheme for the
 * client that owns it. Node's global fetch (undici's WHATWG layer: request/response streams, abort plumbing) cost
 * identity-sync about twice the CPU per user lookup of a plain keep-alive request in the scale benchmark's profile
 * (~900 against ~450 µs on the loaded benchmark machine); lookups are one per AuthentikUserChanged.
 *
 * It covers what the client sends: a method, headers, a string body or none, and `signal`. The whole answer is
 * read before the promise resolves (the answers are small JSON documents), so the signal covers reading it too,
 * and an aborted call rejects with the signal's reason, as fetch does. No redirects are followed (a 3xx is
 * answered as is) and no compression is asked for.
 */
export function keepAliveFetch(): typeof fetch {
  const agents: Record<string, http.Agent> = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };
  return (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const agent = agents[url.protocol];
    if (!agent) return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));
    if (init.body != null && typeof init.body !== 'string') {
      return Promise.reject(new TypeError('only string bodies are supported'));
    }
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<Response>((resolve, reject) => {
      const fail = (err: Error) => reject(signal?.aborted ? (signal.reason as Error) : err);
      const request = (url.protocol === 'https:' ? https : http).request(
        url,
        {
          method: init.method ?? 'GET',
          agent,
          headers: Object.fromEntries(new Headers(init.headers)),
          signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', fail);
          res.on('aborted', () => fail(new Error('the connection closed before the answer was complete')));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const headers = new Headers();
            for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
              headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
            const body = NULL_BODY.has(status)
              ? null
              : chunks.length === 1
                ? chunks[0]!
                : Buffer.concat(chunks);
            try {
              resolve(new Response(body, { status, statusText: res.statusMessage, headers }));
            } catch (err) {
              reject(err as Error);
            }
          });
        },
      );
      request.on('error', fail);
      request.end(init.body ?? undefined);
    });
  };
}
