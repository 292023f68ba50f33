/**
 * infra/helm/identity-relay rendered without helm (test-side renderer for the chart's template subset)
 * and every manifest validated against the Kubernetes / KEDA schemas, plus the wiring a cluster
 * would only reveal at run time: names, selectors, probes, ports, env and hooks.
 */
import { describe, expect, it } from 'vitest';
import { QUEUES } from '@identity-relay/bus';
import { loadConfig } from '@identity-relay/runtime';
import { PROCESS_ENV } from '../../infra/process-env.mjs';
import { CONFIG_VARIABLES, HEALTH_PORTS, SERVICES } from './config-variables.js';
import {
  defaultValues,
  mergeValues,
  renderChart as renderWith,
  renderNotes,
  type Manifest,
} from './helm/chart.js';
import { renderTemplate, RequiredValueError } from './helm/go-template.js';
import { kubernetesProblems } from './helm/kubernetes-schemas.js';

/** What an operator must give on install: where the broker, database and mail server are. */
const CONNECTIONS = {
  connections: {
    AMQP_URL: 'amqp://relay:Zq4vW9mT2pLx@rabbitmq.rabbitmq.svc:5672',
    DATABASE_URL: 'postgresql://relay:Rk8nB3cY6sHd@postgres.postgres.svc:5432/identity_relay',
    SMTP_URL: 'smtp://relay:Hs2mQ7wE5tUv@mail.example.com:587',
  },
};
/** Where recipients' mail clients reach the ingress (unsubscribe links): no default can be right either. */
const PUBLIC_BASE_URL = { publicBaseUrl: 'https://relay.example.org' };
const renderChart = (
  overrides: Record<string, unknown> = {},
  cluster?: Record<string, unknown>,
): Manifest[] =>
  renderWith(
    mergeValues(mergeValues(CONNECTIONS, PUBLIC_BASE_URL), overrides) as Record<string, unknown>,
    'ir',
    cluster,
  );

const byKind = (manifests: Manifest[], kind: string): Manifest[] => manifests.filter((m) => m.kind === kind);
const named = (manifests: Manifest[], kind: string, name: string): Manifest => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};

interface Container {
  command: string[];
  ports: { containerPort: number }[];
  env: { name: string; value: string }[];
  envFrom: ({ configMapRef: { name: string } } | { secretRef: { name: string } })[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string> };
}
const podSpec = (m: Manifest): { containers: Container[]; securityContext: Record<string, unknown> } =>
  (m.spec as { template: { spec: { containers: Container[]; securityContext: Record<string, unknown> } } })
    .template.spec;

const VARIANTS: Record<string, Record<string, unknown>> = {
  defaults: {},
  'without KEDA': { keda: { enabled: false } },
  'with an existing Secret': { existingSecret: 'my-secrets', migrate: { enabled: false } },
};

describe('helm chart infra/helm/identity-relay', () => {
  for (const [variant, overrides] of Object.entries(VARIANTS)) {
    it(`renders manifests valid against the Kubernetes schemas (${variant})`, () => {
      const manifests = renderChart(overrides);
      expect(manifests.length).toBeGreaterThan(10);
      for (const manifest of manifests) {
        expect(manifest.metadata.name, manifest.source).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        expect(
          kubernetesProblems(manifest),
          `${manifest.source}: ${manifest.kind} ${manifest.metadata.name}`,
        ).toEqual([]);
      }
      const keys = manifests.map((m) => `${m.kind}/${m.metadata.name}`);
      expect(new Set(keys).size, 'duplicate names').toBe(keys.length);
    });
  }

  it('catches what the schemas forbid (the check is live)', () => {
    const deployment = renderChart().find((m) => m.kind === 'Deployment')!;
    const broken = structuredClone(deployment) as unknown as {
      spec: { replicas: unknown; selector?: unknown };
    };
    broken.spec.replicas = 'two';
    expect(kubernetesProblems(broken as never).join()).toMatch(/replicas must be integer/);
    delete broken.spec.selector;
    broken.spec.replicas = 1;
    expect(kubernetesProblems(broken as never).join()).toMatch(/selector/);
    expect(kubernetesProblems({ apiVersion: 'v1', kind: 'Pod' })).toEqual(['no schema for v1 Pod']);
  });

  it('runs one Deployment per service, probed on /healthz and /readyz of its own port', () => {
    const manifests = renderChart();
    expect(
      byKind(manifests, 'Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(SERVICES.map((s) => `ir-${s}`).sort());
    for (const service of SERVICES) {
      const deployment = named(manifests, 'Deployment', `ir-${service}`);
      const [container] = podSpec(deployment).containers;
      expect(container!.command).toEqual(['node', `services/${service}/dist/main.js`]);
      expect(container!.ports).toEqual([{ name: 'http', containerPort: HEALTH_PORTS[service] }]);
      expect(container!.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(container!.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(Object.keys(container!.resources.requests).sort()).toEqual(['cpu', 'memory']);
      expect(podSpec(deployment).securityContext.runAsNonRoot).toBe(true);
      const selector = (deployment.spec as { selector: { matchLabels: Record<string, string> } }).selector
        .matchLabels;
      const labels = (deployment.spec as { template: { metadata: { labels: Record<string, string> } } })
        .template.metadata.labels;
      expect(labels).toMatchObject(selector);
    }
  });

  it('starts every service with the process settings of infra/process-env.mjs (heap sizes, malloc arenas) as pod env', () => {
    const manifests = renderChart();
    expect(Object.keys(PROCESS_ENV).sort()).toEqual([...SERVICES].sort());
    for (const service of SERVICES) {
      const [container] = podSpec(named(manifests, 'Deployment', `ir-${service}`)).containers;
      const env = Object.fromEntries(container!.env.map((e) => [e.name, e.value]));
      const settings = PROCESS_ENV[service]!;
      expect(Object.keys(settings).sort(), service).toEqual(['MALLOC_ARENA_MAX', 'NODE_OPTIONS']);
      for (const [name, value] of Object.entries(settings))
        expect(env[name], `${service} ${name}`).toBe(value);
    }
  });

  it('passes only settings the runtime config knows', () => {
    const manifests = renderChart();
    const config = named(manifests, 'ConfigMap', 'ir-config');
    const secret = named(manifests, 'Secret', 'ir-secrets');
    for (const key of [...Object.keys(config.data ?? {}), ...Object.keys(secret.stringData ?? {})]) {
      expect(CONFIG_VARIABLES.has(key), key).toBe(true);
    }
    for (const value of Object.values(config.data ?? {})) expect(typeof value).toBe('string');
    for (const deployment of byKind(manifests, 'Deployment')) {
      for (const env of podSpec(deployment).containers[0]!.env)
        expect(CONFIG_VARIABLES.has(env.name) || env.name in PROCESS_ENV.ingress!, env.name).toBe(true);
      expect(podSpec(deployment).containers[0]!.envFrom).toEqual([
        { configMapRef: { name: 'ir-config' } },
        { secretRef: { name: 'ir-secrets' } },
      ]);
    }
  });

  it('exposes the ingress and ops through Services whose selectors match their pods', () => {
    const manifests = renderChart();
    expect(
      byKind(manifests, 'Service')
        .map((s) => s.metadata.name)
        .sort(),
    ).toEqual(['ir-ingress', 'ir-ops']);
    for (const service of byKind(manifests, 'Service')) {
      const deployment = named(manifests, 'Deployment', service.metadata.name);
      const labels = (deployment.spec as { template: { metadata: { labels: Record<string, string> } } })
        .template.metadata.labels;
      expect(labels).toMatchObject((service.spec as { selector: Record<string, string> }).selector);
    }
  });

  it('gives every Deployment a PodDisruptionBudget that selects it', () => {
    const manifests = renderChart();
    for (const deployment of byKind(manifests, 'Deployment')) {
      const pdb = named(manifests, 'PodDisruptionBudget', deployment.metadata.name);
      expect((pdb.spec as { selector: unknown }).selector).toEqual(
        (deployment.spec as { selector: unknown }).selector,
      );
    }
  });

  it('migrates in a pre-install/pre-upgrade hook Job, after its ConfigMap and Secret exist', () => {
    const manifests = renderChart();
    const job = named(manifests, 'Job', 'ir-migrate');
    expect(job.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const weight = (m: Manifest): number => Number(m.metadata.annotations?.['helm.sh/hook-weight']);
    expect(weight(named(manifests, 'ConfigMap', 'ir-config'))).toBeLessThan(weight(job));
    expect(weight(named(manifests, 'Secret', 'ir-secrets'))).toBeLessThan(weight(job));
    const container = (job.spec as { template: { spec: { containers: Container[] } } }).template.spec
      .containers[0]!;
    expect(container.command).toEqual(['node', 'packages/db/dist/migrate-cli.js']);
  });

  it("scales each worker with a KEDA ScaledObject on its queue's length, or an HPA on CPU without KEDA", () => {
    const withKeda = renderChart();
    const workers = {
      'identity-sync': QUEUES.identitySync,
      subscribers: QUEUES.subscribers,
      notifier: QUEUES.notifier,
    };
    expect(byKind(withKeda, 'HorizontalPodAutoscaler')).toEqual([]);
    for (const [worker, queue] of Object.entries(workers)) {
      const scaled = named(withKeda, 'ScaledObject', `ir-${worker}`);
      const spec = scaled.spec as { scaleTargetRef: { name: string }; triggers: Record<string, unknown>[] };
      expect(spec.scaleTargetRef.name).toBe(`ir-${worker}`);
      expect(spec.triggers).toEqual([
        {
          type: 'rabbitmq',
          metadata: { protocol: 'amqp', queueName: queue, mode: 'QueueLength', value: '100' },
          authenticationRef: { name: 'ir-rabbitmq' },
        },
      ]);
      const deployment = named(withKeda, 'Deployment', `ir-${worker}`);
      expect(deployment.spec).not.toHaveProperty('replicas'); // the autoscaler owns it
    }
    expect(named(withKeda, 'TriggerAuthentication', 'ir-rabbitmq').spec).toEqual({
      secretTargetRef: [{ parameter: 'host', name: 'ir-secrets', key: 'AMQP_URL' }],
    });

    const withoutKeda = renderChart({ keda: { enabled: false } });
    expect(byKind(withoutKeda, 'ScaledObject')).toEqual([]);
    expect(
      byKind(withoutKeda, 'HorizontalPodAutoscaler')
        .map((h) => h.metadata.name)
        .sort(),
    ).toEqual(
      Object.keys(workers)
        .map((w) => `ir-${w}`)
        .sort(),
    );
  });

  it('uses an existing Secret everywhere when one is named', () => {
    const manifests = renderChart({ existingSecret: 'my-secrets' });
    expect(byKind(manifests, 'Secret')).toEqual([]);
    for (const deployment of byKind(manifests, 'Deployment')) {
      expect(podSpec(deployment).containers[0]!.envFrom).toContainEqual({
        secretRef: { name: 'my-secrets' },
      });
    }
    expect(JSON.stringify(named(manifests, 'TriggerAuthentication', 'ir-rabbitmq'))).toContain(
      '"my-secrets"',
    );
  });

  it('ships no usable secret: every connection and key in values.yaml is empty', () => {
    const values = defaultValues() as {
      connections: Record<string, string>;
      secrets: Record<string, string>;
    };
    expect(Object.keys(values.connections).sort()).toEqual(['AMQP_URL', 'DATABASE_URL', 'SMTP_URL']);
    for (const value of [...Object.values(values.connections), ...Object.values(values.secrets)])
      expect(value).toBe('');
  });

  it('refuses to install until the connections are given, saying which', () => {
    expect(() => renderWith(PUBLIC_BASE_URL)).toThrow(RequiredValueError);
    expect(() => renderWith(PUBLIC_BASE_URL)).toThrow(/connections\.AMQP_URL is required/);
    expect(() =>
      renderWith({ ...PUBLIC_BASE_URL, connections: { ...CONNECTIONS.connections, SMTP_URL: '' } }),
    ).toThrow(/connections\.SMTP_URL is required/);
    // With a Secret of your own, the chart needs none of them.
    expect(() => renderWith({ ...PUBLIC_BASE_URL, existingSecret: 'my-secrets' })).not.toThrow();
  });

  it('generates each key on install: random, 48 characters, different per install, accepted by the production checks', () => {
    const keys = Object.keys((defaultValues() as { secrets: Record<string, string> }).secrets);
    const first = named(renderChart(), 'Secret', 'ir-secrets').stringData as Record<string, string>;
    const second = named(renderChart(), 'Secret', 'ir-secrets').stringData as Record<string, string>;
    for (const key of keys) {
      expect(first[key], key).toMatch(/^[A-Za-z0-9]{48}$/);
      expect(first[key], key).not.toBe(second[key]);
    }
    const env = { ...first, NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://relay.example.org' };
    for (const service of ['ingress', 'ops', 'notifier'] as const)
      expect(() => loadConfig(env, { service }), service).not.toThrow();
  });

  it('starts every service with the environment the chart gives it (ConfigMap, Secret, pod env), in production', () => {
    const manifests = renderChart();
    const shared = {
      ...(named(manifests, 'ConfigMap', 'ir-config').data as Record<string, string>),
      ...(named(manifests, 'Secret', 'ir-secrets').stringData as Record<string, string>),
    };
    expect(shared.NODE_ENV).toBe('production');
    for (const service of SERVICES) {
      const container = podSpec(named(manifests, 'Deployment', `ir-${service}`)).containers[0]!;
      const env = { ...shared, ...Object.fromEntries(container.env.map((e) => [e.name, e.value])) };
      expect(() => loadConfig(env, { service }), service).not.toThrow();
    }
  });

  it('refuses to install without publicBaseUrl, which the notifier needs for unsubscribe links', () => {
    expect(() => renderChart({ publicBaseUrl: '' })).toThrow(/publicBaseUrl is required/);
    expect(named(renderChart(), 'ConfigMap', 'ir-config').data).toMatchObject({
      PUBLIC_BASE_URL: PUBLIC_BASE_URL.publicBaseUrl,
    });
  });

  it('keeps the generated keys on upgrade (read back from the Secret) and uses keys the operator set as given', () => {
    const stored = {
      KRATOS_API_KEY: 'k'.repeat(10) + 'Stored0KratosKey0FromInstall0',
      OPS_TOKEN: 'Stored0OpsToken0FromInstall0abcdefgh',
    };
    const cluster = {
      'Secret/identity-relay/ir-secrets': {
        data: Object.fromEntries(
          Object.entries(stored).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
        ),
      },
    };
    const upgraded = named(
      renderChart({ secrets: { NOTIFY_API_KEY: 'Operator0Chosen0Notify0Key0123456' } }, cluster),
      'Secret',
      'ir-secrets',
    ).stringData as Record<string, string>;
    expect(upgraded.KRATOS_API_KEY).toBe(stored.KRATOS_API_KEY);
    expect(upgraded.OPS_TOKEN).toBe(stored.OPS_TOKEN);
    expect(upgraded.NOTIFY_API_KEY).toBe('Operator0Chosen0Notify0Key0123456');
    expect(upgraded.HOOKS_API_KEY).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(upgraded.AMQP_URL).toBe(CONNECTIONS.connections.AMQP_URL);
  });

  it('prints where the webhooks are', () => {
    expect(renderNotes()).toContain('http://ir-ingress.identity-relay.svc:8080');
  });
});

describe('test-side Go template renderer', () => {
  const root = {
    Values: { a: { b: 'x' }, m: { z: 1, y: 2 }, off: false, empty: '' },
    Release: { Name: 'r' },
  };

  it('renders fields, pipelines, defaults, conditionals and sorted map ranges with trimming', () => {
    expect(renderTemplate('{{ .Values.a.b | quote }}', root)).toBe('"x"');
    expect(renderTemplate('{{ .Values.empty | default (printf "%s-s" .Release.Name) }}', root)).toBe('r-s');
    expect(renderTemplate('{{- if not .Values.off }}on{{ else }}off{{ end }}', root)).toBe('on');
    expect(renderTemplate('{{- range $k, $v := .Values.m }}\n{{ $k }}={{ $v }}{{- end }}', root)).toBe(
      '\ny=2\nz=1',
    );
    expect(renderTemplate('k:\n  {{- toYaml .Values.a | nindent 2 }}', root)).toBe('k:\n  b: x');
  });

  it('refuses what it does not implement', () => {
    expect(() => renderTemplate('{{ include "x" . }}', root)).toThrow(/unknown function/);
    expect(() => renderTemplate('{{ with .Values }}{{ end }}', root)).toThrow(/unsupported/);
    expect(() => renderTemplate('{{ if .Values.a }}', root)).toThrow(/missing/);
  });
});
