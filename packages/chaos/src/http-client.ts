/** What one logical request (with the sender's retries) ended as. */
export interface SendResult {
  /** Status of every attempt; 0 for a connection error or timeout. */
  statuses: number[];
  /** The last attempt's status (0: never answered). */
  status: number;
  /** The `id` of a 2xx answer's JSON body. */
  id: string | undefined;
}

export interface SenderOptions {
  baseUrl: string;
  /** Attempts after the first one for 503 and connection errors, as an IdP retries (same request, same ids). */
  retries: number;
  /** (default=200) Wait before the first retry, in milliseconds; doubles per retry, capped at 2000. */
  retryDelayMs?: number;
  /** (default=10000) Per attempt, in milliseconds. */
  timeoutMs?: number;
  /** Told every attempt's status (0: no answer) and when it came, in epoch milliseconds. */
  onAnswer?: (status: number, at: number) => void;
}

function retriable(status: number): boolean {
  return status === 0 || status === 503 || status === 502 || status === 504;
}

/** POSTs JSON, retrying like an IdP does: on 503 and on connection errors, with the same headers. */
export async function postJson(
  opts: SenderOptions,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<SendResult> {
  const statuses: number[] = [];
  let delay = opts.retryDelayMs ?? 200;
  for (let attempt = 0; ; attempt++) {
    const { status, id } = await attemptOnce(opts, path, headers, body);
    statuses.push(status);
    opts.onAnswer?.(status, Date.now());
    if (!retriable(status) || attempt >= opts.retries) return { statuses, status, id };
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 2_000);
  }
}

async function attemptOnce(
  opts: SenderOptions,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<{ status: number; id: string | undefined }> {
  try {
    const res = await fetch(new URL(path, opts.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    let id: string | undefined;
    if (res.ok) {
      const parsed = JSON.parse(text) as { id?: unknown };
      id = typeof parsed.id === 'string' ? parsed.id : undefined;
    }
    return { status: res.status, id };
  } catch {
    return { status: 0, id: undefined };
  }
}
