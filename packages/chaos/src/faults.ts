import type { Cluster } from './cluster.js';
import type { ChaosEnvironment } from './environment.js';
import type { ServiceProcess } from './service-process.js';
import type { SmtpSink } from './smtp-sink.js';

/** Faults injected while webhooks flow. */
export type LoadFault =
  | 'broker-connections'
  | 'broker-restart'
  | 'sync-sigkill'
  | 'sync-sigterm'
  | 'subscribers-sigkill'
  | 'ingress-sigterm'
  | 'db-terminate'
  | 'db-unavailable'
  /** SIGKILL of the RabbitMQ cluster node the ingress is connected to (cluster runs only), revived after. */
  | 'node-kill-ingress'
  /** SIGKILL of the cluster node leading the identity-sync queue (cluster runs only), revived after. */
  | 'node-kill-sync-leader';

/** Faults injected while notifications are being sent. */
export type MailFault = 'smtp-down' | 'notifier-sigkill' | 'notifier-sigterm';

export type FaultName = LoadFault | MailFault;

/** One injected fault and how the system came back. */
export interface FaultRecord {
  fault: FaultName;
  /** Which process or resource it hit. */
  target: string;
  /** How long the fault lasted (0 for instant ones), in milliseconds. */
  durationMs: number;
  /** From the end of the fault until a fresh request went all the way through, in milliseconds. */
  recoveredMs: number | undefined;
  /** For SIGTERM: the exit code and how long the graceful shutdown took. */
  shutdown?: { code: number | null; ms: number; graceMs: number };
  /** When the fault began (epoch ms). */
  at?: number;
  /** For node kills: how the ingress came through the switch-over to another node. */
  switchOver?: SwitchOver;
}

export interface SwitchOver {
  /** From the SIGKILL until the ingress' /readyz answered 200 again, in milliseconds. */
  readyAfterMs: number | undefined;
  /** The node the ingress was connected to once the switch-over was over (never the killed one). */
  ingressNode: string | undefined;
  /** Webhook attempts answered 503 (or not answered) from the SIGKILL until it was revived. */
  refused: number;
  /** From the SIGKILL until the last such refusal, in milliseconds (0 when none). */
  refusedForMs: number;
}

export interface FaultDeps {
  env: ChaosEnvironment;
  cluster: Cluster;
  sink: SmtpSink;
  durations: { dbDownMs: number; brokerDownMs: number; smtpDownMs: number; nodeDownMs?: number };
  shutdownGraceMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Picks replicas in turn, so repeated faults hit different ones. */
function pick(processes: readonly ServiceProcess[], turn: number): ServiceProcess {
  const p = processes[turn % processes.length];
  if (!p) throw new Error('no replica to fault');
  return p;
}

async function killAndRestart(p: ServiceProcess): Promise<void> {
  await p.kill();
  await p.start();
}

async function terminateAndRestart(p: ServiceProcess, graceMs: number): Promise<FaultRecord['shutdown']> {
  const started = Date.now();
  const exit = await p.terminate();
  const shutdown = { code: exit.code, ms: Date.now() - started, graceMs };
  await p.start();
  return shutdown;
}

/**
 * Injects one fault and returns once it is over (the process restarted, the database or broker back).
 * Recovery is measured by the caller, from the returned end time.
 */
export async function inject(
  fault: FaultName,
  turn: number,
  deps: FaultDeps,
): Promise<Omit<FaultRecord, 'recoveredMs'>> {
  const { env, cluster, sink, durations } = deps;
  const started = Date.now();
  const done = (target: string, shutdown?: FaultRecord['shutdown']) => ({
    fault,
    target,
    durationMs: Date.now() - started,
    ...(shutdown ? { shutdown } : {}),
  });
  switch (fault) {
    case 'broker-connections':
      await env.closeBrokerConnections();
      return { fault, target: env.vhost.vhost, durationMs: 0 };
    case 'broker-restart':
      await env.restartBroker(durations.brokerDownMs);
      return done('rabbitmq (whole broker)');
    case 'sync-sigkill': {
      const p = pick(cluster.identitySync, turn);
      await killAndRestart(p);
      return { fault, target: p.spec.name, durationMs: 0 };
    }
    case 'subscribers-sigkill': {
      const p = pick(cluster.subscribers, turn);
      await killAndRestart(p);
      return { fault, target: p.spec.name, durationMs: 0 };
    }
    case 'notifier-sigkill': {
      const p = pick(cluster.notifier, turn);
      await killAndRestart(p);
      return { fault, target: p.spec.name, durationMs: 0 };
    }
    case 'sync-sigterm': {
      const p = pick(cluster.identitySync, turn);
      return done(p.spec.name, await terminateAndRestart(p, deps.shutdownGraceMs));
    }
    case 'notifier-sigterm': {
      const p = pick(cluster.notifier, turn);
      return done(p.spec.name, await terminateAndRestart(p, deps.shutdownGraceMs));
    }
    case 'ingress-sigterm':
      return done('ingress', await terminateAndRestart(cluster.ingress, deps.shutdownGraceMs));
    case 'db-terminate': {
      const n = await env.terminateSessions(['identity-sync', 'subscribers', 'notifier']);
      return { fault, target: `${n} sessions`, durationMs: 0 };
    }
    case 'db-unavailable':
      await env.setDatabaseAvailable(false);
      try {
        await sleep(durations.dbDownMs);
      } finally {
        await env.setDatabaseAvailable(true);
      }
      return done('database');
    case 'node-kill-ingress':
    case 'node-kill-sync-leader':
      return killNode(fault, deps);
    case 'smtp-down':
      await sink.stop();
      try {
        await sleep(durations.smtpDownMs);
      } finally {
        await sink.start();
      }
      return done('smtp sink');
  }
}

/**
 * SIGKILLs a RabbitMQ cluster node under load and revives it after `nodeDownMs`. Meanwhile the ingress'
 * /readyz is polled: it must come back on another node without a restart. The 503 figures are filled in
 * by the run from the ledger's timed answers (see switchOverRefusals).
 */
async function killNode(fault: 'node-kill-ingress' | 'node-kill-sync-leader', deps: FaultDeps) {
  const rabbit = deps.env.rabbitCluster;
  if (!rabbit) throw new Error(`${fault} needs the 3-node cluster environment`);
  const node =
    fault === 'node-kill-ingress'
      ? await rabbit.nodeOfConnection('ingress')
      : await rabbit.leaderOf('identity-sync');
  if (!node) throw new Error(`${fault}: no node found to kill`);
  const at = Date.now();
  await rabbit.kill(node);
  const readyAfterMs = await untilReady(deps.cluster.ingressUrl, at, 30_000);
  await sleep(Math.max(0, at + (deps.durations.nodeDownMs ?? 5_000) - Date.now()));
  const ingressNode = await rabbit.nodeOfConnection('ingress');
  await rabbit.revive(node);
  return {
    fault,
    target: `${node}@localhost`,
    durationMs: Date.now() - at,
    at,
    switchOver: {
      readyAfterMs,
      ingressNode: ingressNode && `${ingressNode}@localhost`,
      refused: 0,
      refusedForMs: 0,
    },
  };
}

/** Milliseconds from `since` until `/readyz` answers 200, or undefined after `timeoutMs`. */
async function untilReady(baseUrl: string, since: number, timeoutMs: number): Promise<number | undefined> {
  // The connection loss reaches the ingress a moment after the kill; wait until it noticed.
  await sleep(100);
  while (Date.now() - since < timeoutMs) {
    const ok = await fetch(new URL('/readyz', baseUrl), { signal: AbortSignal.timeout(1_000) })
      .then(async (res) => (await res.arrayBuffer(), res.status === 200))
      .catch(() => false);
    if (ok) return Date.now() - since;
    await sleep(25);
  }
  return undefined;
}

/** Fills in a node fault's 503 figures: refused attempts between the kill and the revive. */
export function switchOverRefusals(
  fault: FaultRecord,
  answers: readonly { at: number; status: number }[],
): FaultRecord {
  if (!fault.switchOver || fault.at === undefined) return fault;
  const end = fault.at + fault.durationMs;
  const refused = answers.filter(
    (a) => a.at >= fault.at! && a.at <= end && (a.status === 503 || a.status === 0),
  );
  const last = refused.reduce((max, a) => Math.max(max, a.at), fault.at);
  return {
    ...fault,
    switchOver: { ...fault.switchOver, refused: refused.length, refusedForMs: last - fault.at },
  };
}
