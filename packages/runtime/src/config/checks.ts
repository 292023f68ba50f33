import { parseBrokerUrls } from '@identity-relay/bus/broker-urls';
import type { RawValues } from './variable.js';

/** Longest single retry delay (one day); RabbitMQ's x-message-ttl and timers both stay far below their limits. */
export const MAX_RETRY_DELAY_MS = 86_400_000;

/** Parses RETRY_DELAYS_MS ("1000, 10000,60000"); `problem` says what is wrong, if anything. */
export function parseRetryDelays(text: string): { delays: number[]; problem?: string } {
  const parts = text.split(',').map((part) => part.trim());
  const delays = parts.map(Number);
  if (parts.some((part) => !/^[1-9][0-9]*$/.test(part))) {
    return { delays, problem: 'must be a comma-separated list of positive integers (milliseconds)' };
  }
  const tooLong = delays.find((delay) => delay > MAX_RETRY_DELAY_MS);
  if (tooLong !== undefined) {
    return {
      delays,
      problem: `each delay must be at most ${MAX_RETRY_DELAY_MS} ms (one day), got ${tooLong}`,
    };
  }
  return { delays };
}

/** AMQP_URL beyond its schema: every entry of the list must be a usable broker URL. */
export function brokerUrlProblem(text: string): string | undefined {
  try {
    parseBrokerUrls(text);
    return undefined;
  } catch (err) {
    // The message names the entry, never its text: it may hold a password.
    return (err as Error).message;
  }
}

/** Variables that only make sense together: set both or neither. */
const PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['KRATOS_BASIC_USER', 'KRATOS_BASIC_PASSWORD'],
  ['AUTHENTIK_URL', 'AUTHENTIK_TOKEN'],
];

/**
 * Rules spanning several variables. `raw` holds the service's variables only (given, defaulted or generated),
 * `given` those set in the environment; `failed` the variables already reported, which are not reported twice.
 * A rule about variables a service does not read never fires for it: they are never in `raw`.
 */
export function crossCheck(raw: RawValues, given: RawValues, failed: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const [a, b] of PAIRS) {
    if ((raw[a] === undefined) !== (raw[b] === undefined)) {
      const missing = raw[a] === undefined ? a : b;
      problems.push(`${missing}: required when ${missing === a ? b : a} is set (set both or neither)`);
    }
  }
  if (raw.OIDC_ISSUER !== undefined && raw.OIDC_AUDIENCE === undefined) {
    // A token from the right issuer but meant for another application must not open the ops API.
    problems.push('OIDC_AUDIENCE: required when OIDC_ISSUER is set');
  }
  problems.push(...oidcSignInProblems(raw, failed));
  if (raw.NODE_ENV === 'production') {
    // Keys fetched over plain http can be swapped in transit, and whoever swaps them mints ops tokens.
    for (const name of ['OIDC_ISSUER', 'OIDC_JWKS_URL', 'OIDC_REDIRECT_URL']) {
      const value = raw[name];
      if (value !== undefined && !failed.has(name) && !/^https:\/\//i.test(String(value)))
        problems.push(`${name}: must be an https:// URL in production`);
    }
    if ('PUBLIC_BASE_URL' in raw && given.PUBLIC_BASE_URL === undefined)
      // A localhost default would put dead unsubscribe links into real people's mail.
      problems.push('PUBLIC_BASE_URL: required in production (the public address of the ingress)');
  }
  return problems;
}

/** The console's OIDC sign-in needs an issuer, a client id and a redirect URL ending in the console's callback. */
function oidcSignInProblems(raw: RawValues, failed: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const clientId = raw.OIDC_CLIENT_ID !== undefined;
  const redirect = raw.OIDC_REDIRECT_URL;
  if (clientId && raw.OIDC_ISSUER === undefined)
    problems.push('OIDC_ISSUER: required when OIDC_CLIENT_ID is set (console sign-in)');
  if (clientId && redirect === undefined)
    problems.push('OIDC_REDIRECT_URL: required when OIDC_CLIENT_ID is set (console sign-in)');
  for (const name of ['OIDC_REDIRECT_URL', 'OIDC_CLIENT_SECRET']) {
    if (raw[name] !== undefined && !clientId) problems.push(`OIDC_CLIENT_ID: required when ${name} is set`);
  }
  if (redirect !== undefined && !failed.has('OIDC_REDIRECT_URL')) {
    const path = /^https?:\/\/[^/?#]*([^?#]*)/i.exec(String(redirect))?.[1] ?? '';
    if (!path.endsWith(OIDC_CALLBACK_PATH))
      problems.push(
        `OIDC_REDIRECT_URL: must end with ${OIDC_CALLBACK_PATH} (the console's sign-in callback)`,
      );
  }
  if (clientId && raw.OIDC_SCOPES !== undefined && !String(raw.OIDC_SCOPES).split(/\s+/).includes('openid'))
    problems.push('OIDC_SCOPES: must include openid');
  return problems;
}

/** Where the console receives the IdP's answer; OIDC_REDIRECT_URL is this path on the console's public address. */
export const OIDC_CALLBACK_PATH = '/login/oidc/callback';
