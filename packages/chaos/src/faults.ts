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
  | 'db-unavailable';

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
}

export interface FaultDeps {
  env: ChaosEnvironment;
  cluster: Cluster;
  sink: SmtpSink;
  durations: { dbDownMs: number; brokerDownMs: number; smtpDownMs: number };
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
