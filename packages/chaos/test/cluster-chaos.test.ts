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
 * The production topology under node failures, in every `npm test`: a real 3-node RabbitMQ 3.10 cluster
 * (scripts/infra/rabbitmq-cluster.sh, ports 5701–5703) with all three nodes in every service's AMQP_URL, and
 * PgBouncer (transaction pooling) in front of Postgres for every service's DATABASE_URL, migrations through
 * DATABASE_DIRECT_URL. The real ingress, identity-sync (2 replicas) and subscribers run as child processes;
 * under webhook load the node the ingress is connected to is SIGKILLed, then the node leading identity-sync,
 * each revived a few seconds later. The cluster and PgBouncer are removed afterwards, pass or fail.
 * Needs root (rabbitmqctl) and pgbouncer, and takes minutes on a busy 2-core machine: it runs only when
 * IR_CLUSTER_TESTS=1 is set, and only one such run may be under way per machine (fixed ports 5701–5703).
 */
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
// runChaos removes the cluster and PgBouncer itself; this also covers a run cut short by the timeout.
afterAll(() => RabbitCluster.stopAll(), 180_000);

const runnable = process.env.IR_CLUSTER_TESTS === '1' && process.getuid?.() === 0 && hasPgBouncer();

test.skipIf(!runnable)(
  'on a 3-node cluster behind PgBouncer, killing the ingress node and the queue leader loses and duplicates nothing',
  { timeout: 1_200_000 },
  async () => {
    const plan = clusterPlan();
    const report = await runChaos(plan, {
      repoRoot,
      environment: createClusterEnvironment,
      log: console.log,
    });
    console.log(formatReport(report));
    expect(failures(report)).toEqual([]);
    await rm(report.logDir, { recursive: true, force: true });
    expect(report.identities.accepted).toBeGreaterThan(500);
    expect(report.faults.map((f) => f.fault)).toEqual(plan.faults);
    for (const f of report.faults) {
      // The ingress came back on a surviving node without a restart, and refused only around the switch-over.
      expect(f.switchOver?.readyAfterMs).toBeDefined();
      expect(f.switchOver?.ingressNode).not.toBe(f.target);
    }
    expect(report.crashes).toEqual([]);
  },
);
