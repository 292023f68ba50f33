import type pg from 'pg';
import { expectedNewest, historyProblem, missingFrom, type IdentityHistory } from './expectations.js';
import type { Ledger } from './ledger.js';
import { typeOf } from './workload.js';

/** The identity pipeline's figures and every violation found, by invariant. */
export interface IdentityFindings {
  accepted: number;
  refused: number;
  /** Refused (never 2xx) yet applied: allowed, if applied whole. */
  refusedButApplied: number;
  inbox: { expected: number; found: number };
  rows: { expected: number; found: number };
  versions: { found: number };
  subscriberChanges: { expected: number; found: number };
  /** Accepted ids not in the identity-sync inbox. */
  lost: string[];
  /** Message ids with more than one effect (history/outbox rows). */
  duplicated: string[];
  /** Inbox rows without their effect, or effects without their inbox row. */
  halfApplied: string[];
  /** Inbox ids the suite never sent, identities it never created. */
  invented: string[];
  /** Rows not at the newest applied update. */
  wrongState: string[];
  /** Histories with gaps, out of order, or not ever newer. */
  badHistory: string[];
  unpublishedOutbox: number;
  /** IdentityChanged ids not applied by subscribers, or identities whose list version lags. */
  subscriberLost: string[];
  /** List memberships that differ from the identities' final type. */
  membershipWrong: string[];
}

async function idsOf(db: pg.Pool, consumer: string): Promise<Set<string>> {
  const { rows } = await db.query<{ message_id: string }>(
    'SELECT message_id FROM processed_messages WHERE consumer = $1',
    [consumer],
  );
  return new Set(rows.map((r) => r.message_id));
}

interface EffectRow {
  source_message_id: string;
  n: number;
}

async function histories(
  db: pg.Pool,
): Promise<(IdentityHistory & { n: number; listVersion: number | null })[]> {
  const { rows } = await db.query<{
    external_id: string;
    version: number;
    n: number;
    list_version: number | null;
    versions: number[];
    by_commit: number[];
    updates: number[];
  }>(`
    SELECT i.external_id, i.version, (i.traits->>'n')::int AS n, s.version AS list_version,
      coalesce(array_agg(e.version ORDER BY e.version) FILTER (WHERE e.version IS NOT NULL), '{}') AS versions,
      coalesce(array_agg(e.version ORDER BY e.created_at) FILTER (WHERE e.version IS NOT NULL), '{}') AS by_commit,
      coalesce(array_agg((e.payload->'identity'->'traits'->>'n')::int ORDER BY e.version)
        FILTER (WHERE e.version IS NOT NULL), '{}') AS updates
    FROM identities i
    LEFT JOIN identity_events e ON e.identity_id = i.id
    LEFT JOIN subscriber_identity_versions s ON s.identity_id = i.id
    GROUP BY i.id, s.version`);
  return rows.map((r) => ({
    externalId: r.external_id,
    rowVersion: r.version,
    n: r.n,
    listVersion: r.list_version,
    versions: r.versions,
    byCommit: r.by_commit,
    updates: r.updates,
  }));
}

/** Checks every identity invariant against the database; `subscribers` false skips the list checks. */
export async function checkIdentities(
  db: pg.Pool,
  ledger: Ledger,
  subscribers: boolean,
): Promise<IdentityFindings> {
  const accepted = ledger.acceptedIds();
  const refused = ledger.refusedIds();
  const sent = new Set([...accepted, ...refused]);
  const inbox = await idsOf(db, 'identity-sync');
  const applied = new Set([...inbox].filter((id) => sent.has(id)));
  const { rows: effects } = await db.query<EffectRow>(
    'SELECT source_message_id, count(*)::int AS n FROM identity_events GROUP BY source_message_id',
  );
  const effectIds = new Set(effects.map((e) => e.source_message_id));
  const newest = expectedNewest(ledger.webhooks, applied);
  const all = await histories(db);
  const byExternal = new Map(all.map((h) => [h.externalId, h]));

  const wrongState: string[] = [];
  for (const [identity, n] of newest) {
    const h = byExternal.get(identity);
    if (h && h.n !== n) wrongState.push(`${identity}: at update ${h.n}, newest applied ${n}`);
  }
  const badHistory = all.flatMap((h) => {
    const problem = historyProblem(h);
    return problem ? [`${h.externalId}: ${problem}`] : [];
  });
  const { rows: unpublished } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM identity_outbox',
  );

  const findings: IdentityFindings = {
    accepted: accepted.size,
    refused: refused.size,
    refusedButApplied: [...refused].filter((id) => inbox.has(id)).length,
    inbox: { expected: accepted.size, found: [...accepted].filter((id) => inbox.has(id)).length },
    rows: { expected: newest.size, found: all.length },
    versions: { found: all.reduce((s, h) => s + h.versions.length, 0) },
    subscriberChanges: { expected: 0, found: 0 },
    lost: missingFrom(accepted, inbox),
    duplicated: effects.filter((e) => e.n > 1).map((e) => `${e.source_message_id} ×${e.n}`),
    halfApplied: [...missingFrom(inbox, effectIds), ...missingFrom(effectIds, inbox)],
    invented: [
      ...missingFrom(inbox, sent).map((id) => `inbox ${id}`),
      ...all.filter((h) => !newest.has(h.externalId)).map((h) => `identity ${h.externalId}`),
    ],
    wrongState,
    badHistory,
    unpublishedOutbox: unpublished[0]!.n,
    subscriberLost: [],
    membershipWrong: [],
  };
  if (subscribers) await checkSubscribers(db, findings, all, newest, ledger);
  return findings;
}

async function checkSubscribers(
  db: pg.Pool,
  findings: IdentityFindings,
  all: Awaited<ReturnType<typeof histories>>,
  newest: Map<string, number>,
  ledger: Ledger,
): Promise<void> {
  const { rows: changes } = await db.query<{ id: string }>(
    'SELECT id::text AS id FROM identity_events WHERE version IS NOT NULL',
  );
  const inbox = await idsOf(db, 'subscribers');
  findings.subscriberChanges = {
    expected: changes.length,
    found: changes.filter((c) => inbox.has(c.id)).length,
  };
  findings.subscriberLost.push(
    ...missingFrom(
      changes.map((c) => c.id),
      inbox,
    ),
  );
  for (const h of all)
    if ((h.listVersion ?? 0) !== h.rowVersion)
      findings.subscriberLost.push(
        `${h.externalId}: lists at version ${h.listVersion}, identity at ${h.rowVersion}`,
      );
  const { rows: members } = await db.query<{ email: string }>(
    `SELECT email FROM subscribers WHERE list = 'educators' AND unsubscribed_at IS NULL`,
  );
  const active = new Set(members.map((m) => m.email));
  const expected = new Set<string>();
  for (const [identity, n] of newest)
    if (typeOf(n) === 'educator') expected.add(ledger.emails.get(identity) ?? identity);
  for (const email of missingFrom(expected, active)) findings.membershipWrong.push(`${email} missing`);
  for (const email of missingFrom(active, expected))
    findings.membershipWrong.push(`${email} should not be there`);
}
