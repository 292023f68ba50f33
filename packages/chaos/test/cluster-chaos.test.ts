import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { hasPgBouncer } from '@identity-relay/db/testing';
import {
  RabbitCluster,
  clusterPlan,
  createClusterEnvironment,
  failures,
  formatReport,
  runChaos,
} from '../src/index.js';

/*
 * The production topology under node failures, in every `npm test`: a real 3-node RabbitMQ cluster
 * (scripts/infra/rabbitmq-cluster.sh: node names, ports and folder of its own, so other runs on the machine are
 * unaffected) with all three nodes in every service's AMQP_URL, and PgBouncer (transaction pooling, on a free
 * port) in front of Postgres for every service's DATABASE_URL, migrations through DATABASE_DIRECT_URL. The real
 * ingress, identity-sync (2 replicas) and subscribers run as child processes; under webhook load the node the
 * ingress is connected to is SIGKILLed, then the node leading identity-sync, each revived a few seconds later.
 * Every chaos invariant is checked, plus: traffic flowed during each kill, every service was back on a surviving
 * node without a restart, and no webhook was refused outside a switch-over. The cluster and PgBouncer are
 * removed afterwards (by pid), pass or fail.
 * Needs root (Debian's rabbitmqctl runs as the rabbitmq user, with its Erlang cookie), rabbitmq-server and
 * pgbouncer. Elsewhere it is skipped with the reason; in CI (CI set, as .ci/run does) a missing one fails it.
 */
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
// runChaos removes the cluster and PgBouncer itself; this also covers a run cut short by the timeout.
afterAll(() => RabbitCluster.stopAll(), 120_000);

function missing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (rabbitmqctl runs as the rabbitmq user, with its cookie)';
  if (!existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server')) return 'needs rabbitmq-server';
  if (!hasPgBouncer()) return 'needs pgbouncer (apt-get install -y pgbouncer)';
  return undefined;
}

test(
  'on a 3-node cluster behind PgBouncer, killing the ingress node and the queue leader loses and duplicates nothing',
  { timeout: 600_000 },
  async ({ skip }) => {
    const reason = missing();
    if (reason && !process.env.CI) {
      console.warn(`cluster chaos test skipped: ${reason}`);
      skip(reason);
    }
    expect(reason, 'CI must run the cluster test').toBeUndefined();

    const plan = clusterPlan();
    const started = Date.now();
    const report = await runChaos(plan, {
      repoRoot,
      environment: createClusterEnvironment,
      log: (line) => console.log(`[+${Math.round((Date.now() - started) / 1000)} s] ${line}`),
    });
    console.log(formatReport(report));
    expect(failures(report)).toEqual([]);
    await rm(report.logDir, { recursive: true, force: true });
    // The run really exercised what it claims to.
    expect(report.identities.accepted).toBeGreaterThan(400);
    expect(report.faults.map((f) => f.fault)).toEqual(plan.faults);
    for (const f of report.faults) {
      expect(f.switchOver?.answered).toBeGreaterThan(0);
      expect(f.switchOver?.ingressNode).not.toBe(f.target);
    }
    expect(report.refusedOutsideSwitchOver).toBe(0);
    expect(report.connectionsAtEnd).toBeDefined();
    expect(report.crashes).toEqual([]);
  },
);
