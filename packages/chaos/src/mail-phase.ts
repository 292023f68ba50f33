import type pg from 'pg';
import type { NotificationRequestedData } from '@identity-relay/contracts';
import type { SmtpSink } from '@identity-relay/test-support';
import { API_KEYS } from './cluster.js';
import type { DirectPublisher } from './direct.js';
import { expectedNewest } from './expectations.js';
import { inject, type FaultDeps, type FaultRecord } from './faults.js';
import { postJson, type SenderOptions } from './http-client.js';
import { notificationId } from './ids.js';
import { allSettled } from './load-phase.js';
import type { Ledger } from './ledger.js';
import type { ChaosPlan } from './plan.js';
import { typeOf } from './workload.js';

export interface MailPhaseDeps {
  plan: ChaosPlan;
  ledger: Ledger;
  db: pg.Pool;
  sink: SmtpSink;
  direct: DirectPublisher;
  sender: SenderOptions;
  faults: FaultDeps;
  runId: string;
  onFault(record: FaultRecord): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The educators list as the identities' final states define it (what every notification must reach). */
export async function expectedRecipients(db: pg.Pool, ledger: Ledger): Promise<Set<string>> {
  const { rows } = await db.query<{ message_id: string }>(
    `SELECT message_id FROM processed_messages WHERE consumer = 'identity-sync'`,
  );
  const newest = expectedNewest(ledger.webhooks, new Set(rows.map((r) => r.message_id)));
  const emails = new Set<string>();
  for (const [identity, n] of newest) if (typeOf(n) === 'educator') emails.add(ledger.emails.get(identity)!);
  return emails;
}

function request(i: number): NotificationRequestedData {
  return {
    topic: 'chaos',
    list: 'educators',
    subject: `Chaos notice ${i}`,
    text: `Notice ${i} for educators.`,
  };
}

/**
 * Requests `plan.notifications` notifications to the educators list through the ingress (each with an
 * Idempotency-Key, sent twice, and republished once straight to the exchange) while mail faults are
 * injected, spread over the expected emails. Recovery is the time from a fault's end to the next email.
 */
export async function runMailPhase(deps: MailPhaseDeps, recipients: ReadonlySet<string>): Promise<void> {
  const { plan, ledger, sink } = deps;
  const expectedEmails = plan.notifications * recipients.size;
  const baseline = sink.received.length;
  const sends = Array.from({ length: plan.notifications }, async (_, i) => {
    const key = `chaos-${deps.runId}-${i}`;
    const headers = { 'x-api-key': API_KEYS.NOTIFY_API_KEY, 'idempotency-key': key };
    const result = await postJson(deps.sender, '/notifications', headers, request(i));
    const id = notificationId(key);
    if (result.id !== undefined && result.id !== id)
      ledger.idMismatches.push(`${id} answered as ${result.id}`);
    ledger.notifications.push({ id, statuses: result.statuses, accepted: result.status === 202 });
    // The client retries although it got its answer, and the message reaches the exchange a second time.
    await postJson(deps.sender, '/notifications', headers, request(i));
    await deps.direct.duplicateNotification(id, request(i));
  });
  const faults = (async () => {
    for (const [i, fault] of plan.mailFaults.entries()) {
      const target = baseline + (expectedEmails * (i + 1)) / (plan.mailFaults.length + 2);
      const deadline = Date.now() + plan.settleTimeoutMs;
      while (sink.received.length < target && Date.now() < deadline) await sleep(20);
      const injected = await inject(fault, i, deps.faults);
      const before = sink.received.length;
      const ended = Date.now();
      let recoveredMs: number | undefined;
      while (Date.now() - ended < plan.settleTimeoutMs && sink.received.length < baseline + expectedEmails) {
        if (sink.received.length > before) {
          recoveredMs = sink.received[before]!.at - ended;
          break;
        }
        await sleep(20);
      }
      deps.onFault({ ...injected, recoveredMs });
    }
  })();
  await allSettled([...sends, faults]);
}
