import { randomBytes } from 'node:crypto';
import type { RawValues } from './load.js';
import type { ServiceName } from './types.js';

/** Bytes of randomness in a generated secret (256 bits), encoded base64url. */
const GENERATED_SECRET_BYTES = 32;

/** Secrets `service` cannot run without, given what else is configured. */
export function requiredSecrets(service: ServiceName, raw: RawValues): string[] {
  switch (service) {
    case 'ingress': {
      // HTTP basic is an alternative way for Kratos to authenticate; then no API key is needed.
      const kratosBasic = raw.KRATOS_BASIC_USER !== undefined && raw.KRATOS_BASIC_PASSWORD !== undefined;
      return [
        ...(kratosBasic ? [] : ['KRATOS_API_KEY']),
        'HOOKS_API_KEY',
        'NOTIFY_API_KEY',
        'AUTHENTIK_WEBHOOK_TOKEN',
        'UNSUBSCRIBE_SECRET',
      ];
    }
    case 'notifier':
      // Signs the unsubscribe links the ingress verifies: both must share the value.
      return ['UNSUBSCRIBE_SECRET'];
    case 'ops':
      // With OIDC the ops API accepts the issuer's JWTs instead of a static token.
      return raw.OIDC_ISSUER === undefined ? ['OPS_TOKEN'] : [];
    default:
      return [];
  }
}

export function generateSecret(): string {
  return randomBytes(GENERATED_SECRET_BYTES).toString('base64url');
}

/**
 * Missing required secrets are a problem in production and generated otherwise, so a
 * development checkout starts with no setup and a production one never runs with guessable keys.
 */
export function resolveSecrets(
  service: ServiceName,
  raw: RawValues,
): { problems: string[]; generated: Record<string, string> } {
  const problems: string[] = [];
  const generated: Record<string, string> = {};
  for (const name of requiredSecrets(service, raw)) {
    if (raw[name] !== undefined) continue;
    if (raw.NODE_ENV === 'production') problems.push(`${name}: required in production`);
    else generated[name] = generateSecret();
  }
  return { problems, generated };
}
