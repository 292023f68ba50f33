import type pg from 'pg';
import type { DirectPublisher } from './direct.js';
import { kratosSyncEventId } from './ids.js';
import { inject, type FaultDeps, type FaultRecord } from './faults.js';
import type { ChaosPlan } from './plan.js';
import { canary } from './probe.js';
import { makeIdentities, updateOrder, type ChaosIdentity, type WebhookDriver } from './workload.js';

export interface LoadPhaseDeps {
  plan: ChaosPlan;
  driver: WebhookDriver;
  direct: DirectPublisher;
  db: pg.Pool;
  faults: FaultDeps;
  /** Receives each fault as it completes. */
  onFault(record: FaultRecord): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Like Promise.all, but waits for every task before rethrowing the first failure: a fault still under way
 * (the broker stopped, the database refusing connections) must end before the run cleans up.
 */
export async function allSettled(tasks: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Fresh identities for canaries, numbered after the workload's. */
function canaryIdentities(plan: ChaosPlan): () => ChaosIdentity {
  let next = plan.identities + 1_000_000;
  return () => makeIdentities(next++, 1, 1)[0]!;
}

/**
 * Sends the identity workload through the ingress while, alongside it, faults are injected at even
 * intervals (each followed by a canary that measures recovery), poison is flooded in, and accepted
 * webhooks are duplicated (IdP retries with the same trigger id, and republished to the exchange).
 * Afterwards old updates are sent again, which must be recorded as stale and never win.
 */
export async function runLoadPhase(deps: LoadPhaseDeps): Promise<ChaosIdentity[]> {
  const { plan, driver } = deps;
  const identities = makeIdentities(0, plan.identities, plan.updatesPerIdentity);
  const items = updateOrder(identities, plan.reorderWindow);
  let loadDone = false;
  const reached = async (fraction: number) => {
    while (!loadDone && driver.sent < items.length * fraction) await sleep(50);
  };
  // Fault k is injected once (k+1)/(faults+1) of the load went out; the load beyond that point waits until
  // the fault has begun, so every fault lands in flowing traffic however long the ones before it took.
  const faultAt = (k: number) => (items.length * (k + 1)) / (plan.faults.length + 1);
  let faultsBegun = 0;
  let faultsOver = false;
  const gate = async (i: number) => {
    while (!faultsOver && faultsBegun < plan.faults.length && i >= faultAt(faultsBegun)) await sleep(20);
  };
  const load = driver.sendAll(items, plan.concurrency, plan.ratePerSecond, gate).finally(() => {
    loadDone = true;
  });
  const nextCanary = canaryIdentities(plan);

  const faultLoop = async () => {
    try {
      for (const [i, fault] of plan.faults.entries()) {
        await reached((i + 1) / (plan.faults.length + 1));
        faultsBegun++;
        const injected = await inject(fault, i, deps.faults);
        const recoveredMs = await canary(
          driver,
          deps.db,
          nextCanary(),
          plan.replicas.subscribers > 0,
          plan.settleTimeoutMs,
        );
        deps.onFault({ ...injected, recoveredMs });
      }
    } finally {
      faultsOver = true;
    }
  };

  const trafficLoop = async () => {
    const chunks = 4;
    for (let c = 0; c < chunks; c++) {
      await reached((c + 0.5) / chunks);
      await deps.direct.poison(Math.ceil(plan.poisonRounds / chunks));
      if (c === 1) await duplicateAccepted(deps);
    }
  };

  await allSettled([load, faultLoop(), trafficLoop()]);
  await resendStale(deps, identities);
  return identities;
}

/** IdP retries of accepted webhooks (same trigger id) and the same events republished to the exchange. */
async function duplicateAccepted(deps: LoadPhaseDeps): Promise<void> {
  const { driver, direct, plan } = deps;
  const pool = driver.accepted.length;
  if (pool === 0) return;
  const any = () => Math.floor(Math.random() * pool);
  for (let k = 0; k < plan.duplicates; k++) {
    await driver.resend(any());
    const { item, triggerId } = driver.accepted[any()]!;
    await direct.duplicateWebhook(kratosSyncEventId(triggerId), item);
  }
}

/** Update 0 again, with a new trigger id, for identities that moved on: must end up stale. */
async function resendStale(deps: LoadPhaseDeps, identities: readonly ChaosIdentity[]): Promise<void> {
  const moved = identities.filter((i) => i.updates > 1).slice(0, deps.plan.staleResends);
  let next = 0;
  const lane = async () => {
    while (next < moved.length) await deps.driver.send({ identity: moved[next++]!, n: 0 }, 'stale-resend');
  };
  await Promise.all(Array.from({ length: deps.plan.concurrency }, lane));
}
