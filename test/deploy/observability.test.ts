/**
 * infra/grafana: every identity-relay metric the dashboard queries is one the code exports (default
 * process metrics from the runtime's registry, the rest found in the sources), and the core pipeline
 * metrics are all on it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '@identity-relay/runtime';
import { repoPath } from './repo.js';

interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: { expr: string; refId: string }[];
}
const dashboard = JSON.parse(
  readFileSync(repoPath('infra/grafana/identity-relay.dashboard.json'), 'utf8'),
) as {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; query: unknown }[] };
};
const queries = [
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
  ...dashboard.templating.list.map((v) => String(v.query)),
];
const HISTOGRAM_SUFFIXES = /_(bucket|sum|count)$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry === 'dist' || entry === 'generated') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/** Metric names registered in packages/ and services/ sources, plus Node.js defaults of createMetrics. */
async function exportedMetricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const root of ['packages', 'services']) {
    for (const file of sourceFiles(repoPath(root))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/'(identity_relay_[a-z0-9_]+)'/g)) names.add(m[1]!);
    }
  }
  const { registry } = createMetrics('dashboard-test');
  for (const metric of await registry.getMetricsAsJSON()) names.add(metric.name);
  return names;
}

describe('infra/grafana/identity-relay.dashboard.json', () => {
  it('queries only identity_relay_ metrics the code exports', async () => {
    const exported = await exportedMetricNames();
    const used = new Set(
      queries.flatMap((q) => [...q.matchAll(/\b(identity_relay_[a-z0-9_]+)/g)].map((m) => m[1]!)),
    );
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(exported.has(name.replace(HISTOGRAM_SUFFIXES, '')), name).toBe(true);
  });

  it('shows published, failed, consumed, retried, dead-lettered, processing time and queue lag', () => {
    const all = queries.join('\n');
    for (const needle of [
      'identity_relay_messages_published_total',
      'identity_relay_publish_failures_total',
      'identity_relay_messages_consumed_total',
      'outcome="retry"',
      'outcome="dead"',
      'identity_relay_message_processing_seconds_bucket',
      'rabbitmq_queue_messages_ready',
    ]) {
      expect(all).toContain(needle);
    }
  });

  it('is importable: unique panel ids, a Prometheus datasource variable, every target with an expression', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list.map((v) => v.name)).toContain('datasource');
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.expr.trim(), panel.title).not.toBe('');
    }
  });

  it('reads per-queue RabbitMQ series, which the Compose broker is configured to expose', () => {
    const conf = readFileSync(repoPath('infra/rabbitmq/rabbitmq.conf'), 'utf8');
    expect(conf).toMatch(/^prometheus\.return_per_object_metrics = true$/m);
  });
});
