/**
 * RabbitMQ definitions generated from the topology-as-data in `@identity-relay/bus`. Shared by
 * `scripts/generate-definitions.ts` (writes the files) and the drift test in `test/deploy`.
 */
import { createHash } from 'node:crypto';
import { buildTopology, toRabbitDefinitions } from '@identity-relay/bus';
import { loadConfig } from '@identity-relay/runtime';

/** The committed topology file that Compose's RabbitMQ loads at boot and operators may import. */
export const DEFINITIONS_FILE = 'infra/rabbitmq/definitions.json';
/** Local-only broker user for Compose: a broker that loads definitions at boot creates no default user. */
export const COMPOSE_USERS_FILE = 'infra/rabbitmq/compose-users.json';

export const COMPOSE_USER = 'identity-relay';
export const COMPOSE_PASSWORD = 'identity-relay';

/** The retry delays every service uses when RETRY_DELAYS_MS is unset, read from the config loader itself. */
export function defaultRetryDelays(): readonly number[] {
  return loadConfig({}, { service: 'cli' }).retryDelaysMs;
}

/** definitions.json for the default vhost `/` with the default retry delays. */
export function topologyDefinitions(retryDelaysMs: readonly number[] = defaultRetryDelays()): object {
  return toRabbitDefinitions(buildTopology({ retryDelaysMs }));
}

/**
 * RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt ‖ sha256(salt ‖ password)). The salt is
 * fixed so the generated file is stable; this credential is for a laptop's Compose stack only.
 */
export function rabbitPasswordHash(password: string, salt = Buffer.from('69ed7a5e', 'hex')): string {
  const digest = createHash('sha256')
    .update(Buffer.concat([salt, Buffer.from(password, 'utf8')]))
    .digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

/** The Compose broker's user and its permissions on `/`. */
export function composeUserDefinitions(): object {
  return {
    users: [
      {
        name: COMPOSE_USER,
        password_hash: rabbitPasswordHash(COMPOSE_PASSWORD),
        hashing_algorithm: 'rabbit_password_hashing_sha256',
        tags: ['administrator'],
      },
    ],
    vhosts: [{ name: '/' }],
    permissions: [{ user: COMPOSE_USER, vhost: '/', configure: '.*', write: '.*', read: '.*' }],
  };
}

/** Files as written: two-space JSON with a final newline. */
export function renderJson(value: object): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Every generated file and its expected content, keyed by path relative to the repository root. */
export function generatedDefinitionFiles(): Record<string, string> {
  return {
    [DEFINITIONS_FILE]: renderJson(topologyDefinitions()),
    [COMPOSE_USERS_FILE]: renderJson(composeUserDefinitions()),
  };
}
