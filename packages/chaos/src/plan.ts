import type { LoadFault, MailFault } from './faults.js';

/** Everything one run does. */
export interface ChaosPlan {
  form: 'short' | 'long';
  /** Identities; each gets `updatesPerIdentity` (or one or two fewer) webhooks. */
  identities: number;
  updatesPerIdentity: number;
  /** HTTP requests in flight at once. */
  concurrency: number;
  /** Webhooks started per second: spreads the load over the fault schedule. */
  ratePerSecond: number;
  /** How far an update may be moved later in the send order (out-of-order arrivals). */
  reorderWindow: number;
  replicas: { identitySync: number; subscribers: number; notifier: number };
  /** RETRY_DELAYS_MS of every service: their sum is how long a message rides out an outage before it is dead. */
  retryDelaysMs: number[];
  /** SHUTDOWN_GRACE_MS of every service. */
  shutdownGraceMs: number;
  /** Injected in this order, spread evenly over the load. */
  faults: LoadFault[];
  /** Injected while the notifications are being sent. */
  mailFaults: MailFault[];
  /** Rounds of poison; each round is one message of every poison kind (5). */
  poisonRounds: number;
  /** Of each kind: IdP retries (same trigger id), republished webhooks, republished IdentityChanged. */
  duplicates: number;
  /** Old updates sent again after newer ones were accepted (must be recorded as stale, never win). */
  staleResends: number;
  /** Notifications requested once the identity load settled; 0 skips the mail phase. */
  notifications: number;
  durations: { dbDownMs: number; brokerDownMs: number; smtpDownMs: number; nodeDownMs?: number };
  /** Longest wait for everything to go through after the load, in milliseconds. */
  settleTimeoutMs: number;
}

/** CI size: a few hundred webhooks and the faults that never touch other people's broker; under a minute. */
export function shortPlan(notifier: boolean): ChaosPlan {
  return {
    form: 'short',
    identities: 60,
    updatesPerIdentity: 5,
    concurrency: 8,
    ratePerSecond: 40,
    reorderWindow: 30,
    replicas: { identitySync: 2, subscribers: 1, notifier: notifier ? 1 : 0 },
    retryDelaysMs: [200, 500, 1000, 2000, 4000],
    shutdownGraceMs: 3000,
    faults: ['broker-connections', 'sync-sigkill', 'db-terminate', 'sync-sigterm', 'ingress-sigterm'],
    mailFaults: notifier ? ['smtp-down'] : [],
    poisonRounds: 4,
    duplicates: 20,
    staleResends: 20,
    notifications: notifier ? 2 : 0,
    durations: { dbDownMs: 2000, brokerDownMs: 3000, smtpDownMs: 1500 },
    settleTimeoutMs: 30_000,
  };
}

/**
 * The production topology, in npm test: every service on a 3-node RabbitMQ cluster (all nodes in AMQP_URL)
 * and behind PgBouncer; under load the node the ingress is connected to is SIGKILLed, then the node leading
 * identity-sync, each revived after `nodeDownMs`.
 */
export function clusterPlan(): ChaosPlan {
  return {
    ...shortPlan(false),
    identities: 150,
    ratePerSecond: 25,
    faults: ['node-kill-ingress', 'node-kill-sync-leader'],
    poisonRounds: 2,
    duplicates: 10,
    staleResends: 10,
    durations: { dbDownMs: 2000, brokerDownMs: 3000, smtpDownMs: 1500, nodeDownMs: 6000 },
    settleTimeoutMs: 60_000,
  };
}

/** By hand: 10,000+ webhooks, every fault, 3 identity-sync and 2 notifier replicas. Stops RabbitMQ once. */
export function longPlan(notifier: boolean): ChaosPlan {
  return {
    form: 'long',
    identities: 1000,
    updatesPerIdentity: 12,
    concurrency: 32,
    ratePerSecond: 150,
    reorderWindow: 2000,
    replicas: { identitySync: 3, subscribers: 2, notifier: notifier ? 2 : 0 },
    retryDelaysMs: [500, 1000, 2000, 5000, 10000, 20000],
    shutdownGraceMs: 5000,
    faults: [
      'broker-connections',
      'sync-sigkill',
      'db-terminate',
      'sync-sigterm',
      'db-unavailable',
      'subscribers-sigkill',
      'ingress-sigterm',
      'broker-restart',
      'sync-sigkill',
      'broker-connections',
    ],
    mailFaults: notifier ? ['smtp-down', 'notifier-sigterm', 'notifier-sigkill'] : [],
    poisonRounds: 100,
    duplicates: 300,
    staleResends: 300,
    notifications: notifier ? 8 : 0,
    durations: { dbDownMs: 8000, brokerDownMs: 5000, smtpDownMs: 8000 },
    settleTimeoutMs: 180_000,
  };
}
