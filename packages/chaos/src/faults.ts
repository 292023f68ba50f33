import type { SmtpSink } from '@identity-relay/test-support';
import type { Cluster } from './cluster.js';
import type { ChaosEnvironment } from './environment.js';
import type { ServiceProcess } from './service-process.js';
import type { RabbitCluster } from './rabbit-cluster.js';

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
  /** From the SIGKILL until every service's connections were back, all on surviving nodes, in milliseconds. */
  movedAfterMs: number | undefined;
  /** The node the ingress was connected to once the switch-over was over (never the killed one). */
  ingressNode: string | undefined;
  /** Each service's connections (one node per connection) just before the killed node was revived. */
  connections: Record<string, string[]>;
  /** Webhook attempts answered (any status) while the node was down: the fault hit flowing traffic. */
  answered: number;
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
 * /readyz is polled and every service's connections are watched: they must all come back on the other
 * nodes without a restart. The 503 figures are filled in by the run from the ledger's timed answers (see
 * switchOverRefusals).
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
  const [readyAfterMs, movedAfterMs] = await Promise.all([
    untilReady(deps.cluster.ingressUrl, at, SWITCH_OVER_TIMEOUT_MS),
    untilMoved(rabbit, expectedConnections(deps.cluster), node, at),
  ]);
  await sleep(Math.max(0, at + (deps.durations.nodeDownMs ?? 5_000) - Date.now()));
  const connections = await connectionsOf(rabbit, expectedConnections(deps.cluster));
  await rabbit.revive(node);
  return {
    fault,
    target: `${node}@localhost`,
    durationMs: Date.now() - at,
    at,
    switchOver: {
      readyAfterMs,
      movedAfterMs,
      ingressNode: connections.ingress?.[0] && `${connections.ingress[0]}@localhost`,
      connections,
      answered: 0,
      refused: 0,
      refusedForMs: 0,
    },
  };
}

/** Longest wait for the ingress and the services to be back on surviving nodes, in milliseconds. */
const SWITCH_OVER_TIMEOUT_MS = 60_000;

/** Connections each service holds when all its replicas are connected: one per process. */
export function expectedConnections(cluster: Cluster): Record<string, number> {
  const counts: Record<string, number> = {
    ingress: 1,
    'identity-sync': cluster.identitySync.length,
    subscribers: cluster.subscribers.length,
    notifier: cluster.notifier.length,
  };
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

/** Each service's connections by node (one entry per connection). */
export async function connectionsOf(
  rabbit: RabbitCluster,
  expected: Record<string, number>,
): Promise<Record<string, string[]>> {
  const all = await rabbit.connections();
  return Object.fromEntries(
    Object.keys(expected).map((name) => [name, all.filter((c) => c.name === name).map((c) => c.node)]),
  );
}

/** Whether every service holds its expected connections, none of them on `avoid`. */
export function allConnected(
  connections: Record<string, string[]>,
  expected: Record<string, number>,
  avoid?: string,
): boolean {
  return Object.entries(expected).every(
    ([name, n]) => connections[name]?.length === n && !connections[name].includes(avoid ?? ''),
  );
}

/** Milliseconds from `since` until every service's connections are back on nodes other than `killed`. */
async function untilMoved(
  rabbit: RabbitCluster,
  expected: Record<string, number>,
  killed: string,
  since: number,
): Promise<number | undefined> {
  while (Date.now() - since < SWITCH_OVER_TIMEOUT_MS) {
    const connections = await connectionsOf(rabbit, expected).catch(() => undefined);
    if (connections && allConnected(connections, expected, killed)) return Date.now() - since;
    await sleep(100);
  }
  return undefined;
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

/** Fills in a node fault's load and 503 figures: attempts answered, and refused, between the kill and the revive. */
export function switchOverRefusals(
  fault: FaultRecord,
  answers: readonly { at: number; status: number }[],
): FaultRecord {
  if (!fault.switchOver || fault.at === undefined) return fault;
  const during = answers.filter((a) => inWindow(fault, a.at));
  const refused = during.filter(isRefusal);
  const last = refused.reduce((max, a) => Math.max(max, a.at), fault.at);
  return {
    ...fault,
    switchOver: {
      ...fault.switchOver,
      answered: during.length,
      refused: refused.length,
      refusedForMs: last - fault.at,
    },
  };
}

/** Attempts refused (503 or no answer) outside every fault's window. */
export function refusedOutsideFaults(
  faults: readonly FaultRecord[],
  answers: readonly { at: number; status: number }[],
): number {
  return answers.filter((a) => isRefusal(a) && !faults.some((f) => inWindow(f, a.at))).length;
}

/** A 503, or no answer at all (status 0). */
const isRefusal = (a: { status: number }) => a.status === 503 || a.status === 0;

/** `at` lies between the fault's start and its end (for a node kill: the revived node back in the cluster). */
function inWindow(fault: FaultRecord, at: number): boolean {
  return fault.at !== undefined && at >= fault.at && at <= fault.at + fault.durationMs;
}
