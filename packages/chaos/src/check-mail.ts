import type pg from 'pg';
import { deadQueueName, QUEUES } from '@identity-relay/bus';
import { readQueue } from '@identity-relay/bus/testing';
import type { SinkMail } from '@identity-relay/test-support';
import { missingFrom, surplus } from './expectations.js';
import type { Ledger } from './ledger.js';

export interface MailFindings {
  accepted: number;
  emails: { expected: number; found: number };
  /** Extra copies of one (notification, recipient) the sink received. */
  duplicates: number;
  /** Accepted notifications not recorded, deliveries not sent, or (notification, recipient) never received. */
  lost: string[];
  /** Mail the sink got that nobody asked for. */
  unexpected: string[];
}

/** Checks each accepted notification reached each expected recipient exactly once. */
export async function checkMail(
  db: pg.Pool,
  ledger: Ledger,
  recipients: ReadonlySet<string>,
  received: readonly SinkMail[],
): Promise<MailFindings> {
  const accepted = ledger.notifications.filter((n) => n.accepted).map((n) => n.id);
  // A refused request may still have been published (at-least-once); then it must be delivered whole.
  const { rows: recorded } = await db.query<{ id: string; recipients: number; unsent: number }>(
    `SELECT n.id, n.recipients,
       (SELECT count(*)::int FROM email_deliveries d WHERE d.notification_id = n.id AND d.status <> 'sent') AS unsent
     FROM notifications n`,
  );
  const byId = new Map(recorded.map((r) => [r.id, r]));
  const asked = new Set(
    [...accepted, ...recorded.map((r) => r.id)].filter((id) => ledger.notifications.some((n) => n.id === id)),
  );
  const lost: string[] = [];
  for (const id of accepted) if (!byId.has(id)) lost.push(`notification ${id} not recorded`);
  for (const id of asked) {
    const row = byId.get(id);
    if (row && row.unsent > 0) lost.push(`notification ${id}: ${row.unsent} deliveries not sent`);
    if (row && row.recipients !== recipients.size)
      lost.push(`notification ${id}: ${row.recipients} recipients, ${recipients.size} subscribed`);
  }
  const expectedPairs = new Set([...asked].flatMap((id) => [...recipients].map((to) => `${id} → ${to}`)));
  const pairs = received.flatMap((m) => {
    const header = m.headers.get('x-notification-id');
    const id = typeof header === 'string' ? header : '';
    return m.to.map((to) => `${id} → ${to.toLowerCase()}`);
  });
  const { duplicates, counts } = surplus(pairs);
  lost.push(...missingFrom(expectedPairs, new Set(counts.keys())).map((p) => `email ${p} never received`));
  return {
    accepted: accepted.length,
    emails: { expected: expectedPairs.size, found: pairs.length },
    duplicates,
    lost,
    unexpected: missingFrom(counts.keys(), expectedPairs),
  };
}

export interface DeadLetterFindings {
  poison: { expected: number; found: number };
  /** Good messages in a dead queue: lost unless an operator replays them. */
  unexpected: string[];
  /** Poison that did not reach its dead queue. */
  missing: string[];
}

/** Reads every dead queue empty and compares with the poison the suite published. */
export async function checkDeadLetters(vhostUrl: string, ledger: Ledger): Promise<DeadLetterFindings> {
  const poison = ledger.direct.filter((d) => d.kind === 'poison');
  const findings: DeadLetterFindings = {
    poison: { expected: poison.length, found: 0 },
    unexpected: [],
    missing: [],
  };
  for (const queue of Object.values(QUEUES)) {
    const expected = new Set(poison.filter((p) => p.queue === queue).map((p) => p.messageId));
    const dead = await readQueue(vhostUrl, deadQueueName(queue), { count: 1_000_000, timeoutMs: 1_500 });
    const found = new Set<string>();
    for (const d of dead) {
      const id = String(d.properties.messageId ?? '');
      if (expected.has(id)) found.add(id);
      else findings.unexpected.push(`${deadQueueName(queue)}: ${id} (${String(d.headers['x-error'] ?? '')})`);
    }
    findings.poison.found += found.size;
    findings.missing.push(...missingFrom(expected, found).map((id) => `${queue}: ${id}`));
  }
  return findings;
}
