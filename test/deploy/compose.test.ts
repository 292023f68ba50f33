/**
 * docker-compose.yml, checked without a Docker engine: the Compose Specification's JSON Schema
 * (vendored in schemas/compose-spec.json), env names against the runtime config, start order,
 * health checks and the files it mounts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, HEALTH_PORTS, SERVICES } from './config-variables.js';
import { repoPath } from './repo.js';
import { createAjv, describeErrors, readJson } from './schema-validator.js';

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  env_file?: string | string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  deploy?: { replicas?: number };
  profiles?: string[];
  volumes?: string[];
  user?: string;
  ports?: string[];
}

const composeText = readFileSync(repoPath('docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;
const APP_IMAGE = '${IDENTITY_RELAY_IMAGE:-identity-relay:local}';
const appServices = Object.entries(services).filter(([, s]) => s.image === APP_IMAGE);
/** Interpolated in docker-compose.yml but not identity-relay settings (documented in the README). */
const COMPOSE_ONLY_VARIABLES = new Set(['IDENTITY_RELAY_IMAGE', 'POSTGRES_PASSWORD']);

// Go durations as Compose writes them ("10s", "1m30s").
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$/;

/**
 * The schema still carries draft-04 `id` members ("#/definitions/service"), which ajv 8 refuses, and
 * names its draft with a URI spelling ajv does not register. The ids only name subschemas (every
 * `$ref` is a JSON pointer) and the draft is compiled as 2019-09 anyway, so validation is unchanged.
 */
function forAjv8(node: unknown, root = true): object {
  if (Array.isArray(node)) return node.map((item) => forAjv8(item, false));
  if (node === null || typeof node !== 'object') return node as object;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string') && !(root && key === '$schema'))
      .map(([key, value]) => [key, forAjv8(value, false)]),
  );
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification JSON Schema', () => {
    const ajv = createAjv('2019', {
      formats: {
        duration: GO_DURATION,
        expose: () => true,
        ports: () => true,
        subnet_ip_address: () => true,
      },
    });
    const validate = ajv.compile(forAjv8(readJson('test/deploy/schemas/compose-spec.json')));
    expect(validate(compose), describeErrors(validate)).toBe(true);
    // The schema is strict enough to catch a misspelt key or condition.
    const broken = structuredClone(compose);
    broken.services.ingress!.depends_on = { rabbitmq: { condition: 'service_ready' } };
    (broken.services.ops as Record<string, unknown>).healtcheck = {};
    expect(validate(broken)).toBe(false);
    expect(describeErrors(validate)).toMatch(/healtcheck/);
  });

  it('runs every service, the one-shot migrate job and RabbitMQ, Postgres and Mailpit', () => {
    for (const name of [...SERVICES, 'migrate', 'rabbitmq', 'postgres', 'mailpit']) {
      expect(services, name).toHaveProperty(name);
    }
    for (const name of SERVICES)
      expect(services[name]!.command).toEqual(['node', `services/${name}/dist/main.js`]);
    expect(services.migrate!.command).toEqual(['node', 'packages/db/dist/migrate-cli.js']);
    expect(services['identity-sync']!.deploy?.replicas).toBe(2);
    expect(services.rabbitmq!.image).toMatch(/-management$/);
  });

  it('sets only variables the runtime config knows, and reads everything else from .env', () => {
    for (const [name, service] of appServices) {
      expect(service.env_file, name).toBe('.env');
      for (const key of Object.keys(service.environment ?? {})) {
        expect(
          CONFIG_VARIABLES.has(key),
          `${name}: ${key} is not in packages/runtime/src/config/variables.ts`,
        ).toBe(true);
      }
    }
    const interpolated = [...composeText.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!);
    for (const name of interpolated) {
      expect(CONFIG_VARIABLES.has(name) || COMPOSE_ONLY_VARIABLES.has(name), `\${${name}}`).toBe(true);
    }
  });

  it('starts in order: workers after the broker is healthy and the migrations have completed', () => {
    for (const name of ['identity-sync', 'subscribers', 'notifier', 'ops']) {
      expect(services[name]!.depends_on).toMatchObject({
        rabbitmq: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
    }
    expect(services.migrate!.depends_on).toMatchObject({ postgres: { condition: 'service_healthy' } });
    expect(services.ingress!.depends_on).toMatchObject({ rabbitmq: { condition: 'service_healthy' } });
    expect(services.notifier!.depends_on).toMatchObject({ mailpit: { condition: 'service_healthy' } });
    for (const [name, service] of Object.entries(services)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) {
        expect(services, `${name} depends on ${dependency}`).toHaveProperty(dependency);
        if (service.depends_on![dependency]!.condition === 'service_healthy') {
          expect(services[dependency]!.healthcheck?.test, `${dependency} needs a healthcheck`).toBeDefined();
        }
      }
    }
  });

  it("probes each service's /healthz on the port its config makes it listen on", () => {
    for (const name of SERVICES) {
      const service = services[name]!;
      const env = service.environment ?? {};
      const port = Number(
        name === 'ingress' ? env.INGRESS_PORT : name === 'ops' ? env.OPS_PORT : env.HEALTH_PORT,
      );
      expect(port, name).toBe(HEALTH_PORTS[name]);
      expect(service.healthcheck?.test).toEqual([
        'CMD',
        'node',
        'infra/docker/healthcheck.mjs',
        `http://127.0.0.1:${port}/healthz`,
      ]);
    }
  });

  it('publishes every port on 127.0.0.1 only (broker, management UI, Postgres, Mailpit, Kratos admin included)', () => {
    const published = Object.entries(services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => `${name} ${p}`),
    );
    for (const port of [
      'rabbitmq 127.0.0.1:5672:5672',
      'rabbitmq 127.0.0.1:15672:15672',
      'postgres 127.0.0.1:5432:5432',
    ])
      expect(published).toContain(port);
    expect(published).toContain('mailpit 127.0.0.1:8025:8025');
    expect(published).toContain('kratos 127.0.0.1:4434:4434');
    for (const entry of published) expect(entry).toMatch(/^\S+ 127\.0\.0\.1:\d+:\d+$/);
  });

  it('points the services at the Compose broker, database and Mailpit', () => {
    for (const [name, service] of appServices) {
      expect(service.environment?.AMQP_URL, name).toMatch(/^amqp:\/\/[^@]+@rabbitmq:5672$/);
      expect(service.environment?.DATABASE_URL, name).toMatch(/@postgres:5432\/identity_relay$/);
    }
    expect(services.notifier!.environment?.SMTP_URL).toBe('smtp://mailpit:1025');
  });

  it('mounts files that exist, including the generated RabbitMQ definitions', () => {
    const mounts = Object.values(services).flatMap((s) => s.volumes ?? []);
    for (const mount of mounts.filter((m) => m.startsWith('./'))) {
      expect(existsSync(repoPath(mount.split(':')[0]!)), mount).toBe(true);
    }
    expect(services.rabbitmq!.volumes).toContain(
      './infra/rabbitmq/definitions.json:/etc/rabbitmq/definitions.d/10-topology.json:ro',
    );
    expect(readFileSync(repoPath('infra/rabbitmq/rabbitmq.conf'), 'utf8')).toMatch(
      /^load_definitions = \/etc\/rabbitmq\/definitions\.d$/m,
    );
  });

  it('adds Ory Kratos, its migration and UI only under the "kratos" profile', () => {
    const kratosServices = Object.entries(services).filter(([, s]) => s.profiles?.includes('kratos'));
    expect(kratosServices.map(([name]) => name).sort()).toEqual(['kratos', 'kratos-migrate', 'kratos-ui']);
    expect(services.kratos!.volumes).toContain('./infra/kratos:/etc/config/kratos:ro');
    expect(services.kratos!.command).toEqual(
      expect.arrayContaining(['/etc/config/kratos/identity-relay.kratos.yml']),
    );
    for (const name of [...SERVICES, 'migrate']) expect(services[name]!.profiles, name).toBeUndefined();
  });
});
