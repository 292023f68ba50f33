/**
 * infra/prometheus/alerts.yml: valid for Prometheus (`promtool check rules`), each alert fires on the series
 * it watches (`promtool test rules alerts.test.yml`), it watches the required conditions, and the Grafana
 * dashboard shows every series an alert uses. promtool comes from Debian's `prometheus` package; .ci/run
 * installs it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath } from './repo.js';

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
if (!PROMTOOL) console.warn('promtool checks skipped: promtool is missing (apt-get install -y prometheus)');
const rules = readFileSync(repoPath('infra/prometheus/alerts.yml'), 'utf8');
const dashboard = readFileSync(repoPath('infra/grafana/identity-relay.dashboard.json'), 'utf8');

function promtool(...args: string[]): string {
  return execFileSync(PROMTOOL!, args, { cwd: repoPath('infra/prometheus'), encoding: 'utf8' });
}

describe('infra/prometheus/alerts.yml', () => {
  it.skipIf(!PROMTOOL)('passes promtool check rules', () => {
    expect(promtool('check', 'rules', 'alerts.yml')).toContain('SUCCESS: 8 rules found');
  });

  it.skipIf(!PROMTOOL)(
    'fires each alert on its series and stays quiet otherwise (promtool test rules)',
    () => {
      expect(promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
    },
  );

  it('alerts on dead letters, queue backlog, missing consumers, outbox backlog, reconciliation drift and SMTP failures', () => {
    for (const alert of [
      'IdentityRelayDeadLettersGrowing',
      'IdentityRelayQueueBacklog',
      'IdentityRelayNoConsumers',
      'IdentityRelayOutboxBacklog',
      'IdentityRelayReconciliationDrift',
      'IdentityRelaySmtpFailureRate',
    ]) {
      expect(rules).toContain(`alert: ${alert}\n`);
    }
  });

  it('uses only series the Grafana dashboard shows too', () => {
    const exprs = [...rules.matchAll(/expr: (?:>-\n)?([\s\S]*?)\n\s+(?:for|labels):/g)].map((m) => m[1]!);
    const series = new Set(
      exprs.flatMap((e) => [...e.matchAll(/\b((?:identity_relay|rabbitmq)_[a-z0-9_]+)/g)].map((m) => m[1]!)),
    );
    expect(series.size).toBeGreaterThanOrEqual(7);
    // The reconciler (services/reconciler) exports identity_relay_reconcile_*; the dashboard can only show
    // them once it is in the repository (the dashboard test requires every queried metric to be exported).
    const reconcilerPresent = existsSync(repoPath('services/reconciler'));
    for (const name of series) {
      if (name.startsWith('identity_relay_reconcile_') && !reconcilerPresent) continue;
      expect(dashboard, name).toContain(name);
    }
  });
});
