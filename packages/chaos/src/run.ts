import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildTopology, connectBrokerAdmin, connectBus, QUEUES, type LoggerLike } from '@identity-relay/bus';
import { checkIdentities } from './check-identities.js';
import { checkDeadLetters, checkMail } from './check-mail.js';
import { freePort, SmtpSink } from '@identity-relay/test-support';
import { Cluster, API_KEYS } from './cluster.js';
import { DirectPublisher } from './direct.js';
import { createChaosEnvironment, type ChaosEnvironment } from './environment.js';
import {
  connectionsOf,
  expectedConnections,
  refusedOutsideFaults,
  switchOverRefusals,
  type FaultRecord,
} from './faults.js';
import { Ledger } from './ledger.js';
import { runLoadPhase } from './load-phase.js';
import { expectedRecipients, runMailPhase } from './mail-phase.js';
import type { ChaosPlan } from './plan.js';
import type { ChaosReport } from './report.js';
import { settle } from './settle.js';
import { WebhookDriver } from './workload.js';

export interface RunOptions {
  /** The repository root (where `services/` is). */
  repoRoot: string;
  /** Progress lines; the summary is the caller's to print. */
  log?: (line: string) => void;
  /** (default=createChaosEnvironment) Where the run happens, e.g. createClusterEnvironment. */
  environment?: () => Promise<ChaosEnvironment>;
}

const silent: LoggerLike = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

/** SMTP_MAX_CONNECTIONS of the notifiers (their default): sends one SIGKILL can catch mid-flight. */
const SMTP_IN_FLIGHT = 5;

/**
 * One chaos run: a fresh vhost, database and SMTP sink, the real services as child processes, the
 * workload through the ingress with faults injected, then every invariant checked. Always cleans up
 * the vhost and database; the services' logs stay in `report.logDir`.
 */
export async function runChaos(plan: ChaosPlan, opts: RunOptions): Promise<ChaosReport> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const runId = randomBytes(4).toString('hex');
  const logDir = await mkdtemp(join(tmpdir(), `identity-relay-chaos-${runId}-`));
  log('creating the vhost and database');
  const env = await (opts.environment ?? createChaosEnvironment)();
  const sink = new SmtpSink({ port: await freePort(), collect: true });
  const cluster = new Cluster(env, {
    repoRoot: opts.repoRoot,
    logDir,
    replicas: plan.replicas,
    retryDelaysMs: plan.retryDelaysMs,
    shutdownGraceMs: plan.shutdownGraceMs,
    smtpPort: sink.port,
  });
  const topology = buildTopology({ retryDelaysMs: plan.retryDelaysMs });
  const closers: (() => Promise<unknown>)[] = [
    () => env.dispose(),
    () => sink.stop(),
    () => cluster.dispose(),
  ];
  try {
    await sink.start();
    log(`starting services (logs in ${logDir})`);
    await cluster.start();
    const bus = await connectBus({ url: env.vhost.url, name: 'chaos-direct', logger: silent, topology });
    closers.push(() => bus.close());
    const admin = await connectBrokerAdmin({ url: env.vhost.url, name: 'chaos-admin', logger: silent });
    closers.push(() => admin.close());

    const ledger = new Ledger();
    const sender = { baseUrl: cluster.ingressUrl, retries: 8 };
    const driver = new WebhookDriver({ ...sender, apiKey: API_KEYS.KRATOS_API_KEY }, ledger);
    const consumed = new Set<string>([QUEUES.identitySync]);
    if (plan.replicas.subscribers > 0) consumed.add(QUEUES.subscribers);
    if (plan.replicas.notifier > 0) consumed.add(QUEUES.notifier);
    const direct = new DirectPublisher(bus, ledger, consumed);
    const faults: FaultRecord[] = [];
    const faultDeps = {
      env,
      cluster,
      sink,
      durations: plan.durations,
      shutdownGraceMs: plan.shutdownGraceMs,
    };
    const onFault = (f: FaultRecord) => {
      faults.push(f);
      log(`fault ${f.fault} on ${f.target}: recovered after ${f.recoveredMs ?? '–'} ms`);
    };
    const settleOpts = {
      db: env.db,
      admin,
      ledger,
      retryDelaysMs: plan.retryDelaysMs,
      subscribers: plan.replicas.subscribers > 0,
      mail: false,
      timeoutMs: plan.settleTimeoutMs,
    };

    log(`load: ${plan.identities} identities, faults ${plan.faults.join(', ')}`);
    await runLoadPhase({ plan, driver, direct, db: env.db, faults: faultDeps, onFault });
    const loadEnded = Date.now();
    await settle(settleOpts);
    await duplicateChanges(env.db, direct, plan.duplicates);
    let settled = await settle(settleOpts);
    const settleMs = Date.now() - loadEnded;

    let recipients = new Set<string>();
    if (plan.notifications > 0) {
      recipients = await expectedRecipients(env.db, ledger);
      log(
        `mail: ${plan.notifications} notifications to ${recipients.size} educators, faults ${plan.mailFaults.join(', ')}`,
      );
      await runMailPhase(
        { plan, ledger, db: env.db, sink, direct, sender, faults: faultDeps, runId, onFault },
        recipients,
      );
      settled = await settle({ ...settleOpts, mail: true });
    }

    log('checking invariants');
    const expected = expectedConnections(cluster);
    const connectionsAtEnd = env.rabbitCluster && {
      expected,
      found: await connectionsOf(env.rabbitCluster, expected),
    };
    const notifierKills = faults.filter((f) => f.fault === 'notifier-sigkill').length;
    return {
      form: plan.form,
      replicas: plan.replicas,
      webhooksSent: ledger.webhooks.length,
      notificationsSent: ledger.notifications.length,
      http: ledger.attemptCounts(),
      identities: await checkIdentities(env.db, ledger, plan.replicas.subscribers > 0),
      mail: plan.notifications > 0 ? await checkMail(env.db, ledger, recipients, sink.received) : undefined,
      mailWindow: notifierKills * SMTP_IN_FLIGHT,
      dead: await checkDeadLetters(env.vhost.url, ledger),
      faults: faults.map((f) => switchOverRefusals(f, ledger.answers)),
      crashes: cluster.crashes,
      idMismatches: ledger.idMismatches,
      backlog: settled.backlog,
      settleMs,
      totalMs: Date.now() - started,
      logDir,
      ...(connectionsAtEnd ? { connectionsAtEnd } : {}),
      ...(plan.faults.every((f) => f.startsWith('node-kill'))
        ? { refusedOutsideSwitchOver: refusedOutsideFaults(faults, ledger.answers) }
        : {}),
    };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}

/** IdentityChanged messages the relay already published, published again (its crash window). */
async function duplicateChanges(
  db: import('pg').Pool,
  direct: DirectPublisher,
  count: number,
): Promise<void> {
  const { rows } = await db.query<{ id: string; payload: { change: string }; occurred_at: Date }>(
    `SELECT id::text AS id, payload - 'traceparent' AS payload, occurred_at FROM identity_events e
     WHERE version IS NOT NULL AND NOT EXISTS (SELECT 1 FROM identity_outbox o WHERE o.event_id = e.id)
     ORDER BY random() LIMIT $1`,
    [count],
  );
  for (const r of rows) await direct.duplicateChange(r.id, r.payload, r.occurred_at);
}
