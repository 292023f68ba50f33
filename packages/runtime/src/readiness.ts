/** A readiness check: true when the dependency is usable. Throwing counts as not ready. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

/** ok, returned false, threw, or did not answer within the timeout. */
export type CheckOutcome = 'ok' | 'failed' | 'error' | 'timeout';

export interface Readiness {
  ready: boolean;
  checks: Record<string, CheckOutcome>;
  /** Names of the checks that did not pass, in declaration order. */
  failed: string[];
}

/** (default=2000) How long one readiness check may take, in milliseconds. */
export const READINESS_CHECK_TIMEOUT_MS = 2000;

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = (async (): Promise<CheckOutcome> => {
    try {
      return (await check()) === true ? 'ok' : 'failed';
    } catch {
      return 'error';
    }
  })();
  try {
    return await Promise.race([outcome, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check concurrently; ready only when all pass. No checks means ready. */
export async function evaluateReadiness(
  checks: Readonly<Record<string, ReadinessCheck>>,
  timeoutMs: number = READINESS_CHECK_TIMEOUT_MS,
): Promise<Readiness> {
  const names = Object.keys(checks);
  const outcomes = await Promise.all(
    names.map((name) => runCheck(checks[name] as ReadinessCheck, timeoutMs)),
  );
  const result: Record<string, CheckOutcome> = {};
  names.forEach((name, i) => (result[name] = outcomes[i] as CheckOutcome));
  const failed = names.filter((name) => result[name] !== 'ok');
  return { ready: failed.length === 0, checks: result, failed };
}
