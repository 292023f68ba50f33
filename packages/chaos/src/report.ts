import type { IdentityFindings } from './check-identities.js';
import type { DeadLetterFindings, MailFindings } from './check-mail.js';
import { allConnected, type FaultRecord } from './faults.js';
import type { ExitRecord } from './service-process.js';
import type { Backlog } from './settle.js';

/** Everything one run measured. */
export interface ChaosReport {
  form: 'short' | 'long';
  replicas: { identitySync: number; subscribers: number; notifier: number };
  webhooksSent: number;
  notificationsSent: number;
  http: { sent: number; ok: number; refused503: number; failed: number };
  identities: IdentityFindings;
  mail: MailFindings | undefined;
  /** Duplicate emails tolerated: in-flight sends of notifiers that were SIGKILLed (the documented window). */
  mailWindow: number;
  dead: DeadLetterFindings;
  faults: FaultRecord[];
  crashes: ExitRecord[];
  idMismatches: string[];
  backlog: Backlog;
  settleMs: number;
  totalMs: number;
  logDir: string;
  /** Cluster runs: each service's connections (one node per connection) once everything settled. */
  connectionsAtEnd?: { expected: Record<string, number>; found: Record<string, string[]> };
  /**
   * Runs whose every load fault is a node kill: webhook attempts refused (503 or no answer) outside the
   * kill-to-revive windows, when nothing should refuse them.
   */
  refusedOutsideSwitchOver?: number;
}

const SHUTDOWN_SLACK_MS = 3_000;
/** Mail faults measure recovery by the next email, which never comes when the fault hit the last ones. */
const MAIL_FAULTS = new Set(['smtp-down', 'notifier-sigkill', 'notifier-sigterm']);

/** Every violated guarantee, one line each; empty when the run proved what it should. */
export function failures(r: ChaosReport): string[] {
  const out: string[] = [];
  const add = (label: string, items: readonly unknown[]) => {
    if (items.length > 0) out.push(`${label}: ${items.length} (${items.slice(0, 5).map(String).join('; ')})`);
  };
  const i = r.identities;
  add('accepted webhooks lost', i.lost);
  add('applied twice', i.duplicated);
  add('half-applied', i.halfApplied);
  add('invented', i.invented);
  add('rows not at the newest update', i.wrongState);
  add('bad version histories', i.badHistory);
  if (i.unpublishedOutbox > 0) out.push(`outbox rows never published: ${i.unpublishedOutbox}`);
  add('identity changes not applied to lists', i.subscriberLost);
  add('wrong list memberships', i.membershipWrong);
  if (r.mail) {
    add('emails lost', r.mail.lost);
    add('unexpected emails', r.mail.unexpected);
    if (r.mail.duplicates > r.mailWindow)
      out.push(`duplicate emails: ${r.mail.duplicates} (window allows ${r.mailWindow})`);
  }
  add('good messages dead-lettered', r.dead.unexpected);
  add('poison not dead-lettered', r.dead.missing);
  add(
    'processes crashed',
    r.crashes.map((c) => `${c.name} code=${c.code} signal=${c.signal}`),
  );
  add('ingress ids differ from the suite', r.idMismatches);
  for (const f of r.faults) {
    if (f.recoveredMs === undefined && !MAIL_FAULTS.has(f.fault))
      out.push(`no recovery after ${f.fault} (${f.target})`);
    const so = f.switchOver;
    if (so && so.readyAfterMs === undefined) out.push(`${f.fault}: the ingress never became ready again`);
    if (so && (so.ingressNode === undefined || so.ingressNode === f.target))
      out.push(`${f.fault}: the ingress was not on a surviving node (${so.ingressNode ?? 'none'})`);
    if (so && so.movedAfterMs === undefined)
      out.push(
        `${f.fault}: the services were not all back on surviving nodes (${JSON.stringify(so.connections)})`,
      );
    if (so && so.answered === 0) out.push(`${f.fault}: no webhook traffic while ${f.target} was down`);
    if (f.shutdown && (f.shutdown.code !== 0 || f.shutdown.ms > f.shutdown.graceMs + SHUTDOWN_SLACK_MS))
      out.push(
        `${f.target}: SIGTERM exit ${f.shutdown.code} after ${f.shutdown.ms} ms (grace ${f.shutdown.graceMs})`,
      );
  }
  const end = r.connectionsAtEnd;
  if (end && !allConnected(end.found, end.expected))
    out.push(`services not all connected at the end: ${JSON.stringify(end.found)}`);
  if (r.refusedOutsideSwitchOver)
    out.push(`webhook attempts refused outside a switch-over: ${r.refusedOutsideSwitchOver}`);
  return out;
}

const row = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
const ms = (v: number | undefined) => (v === undefined ? '–' : `${(v / 1000).toFixed(1)} s`);

/** The summary as Markdown tables (printed, and pasted into docs/reliability.md). */
export function formatReport(r: ChaosReport): string {
  const i = r.identities;
  const lines = [
    `identity-relay chaos run (${r.form}): ${r.replicas.identitySync}× identity-sync, ` +
      `${r.replicas.subscribers}× subscribers, ${r.replicas.notifier}× notifier, ${ms(r.totalMs)} in all, ` +
      `settled ${ms(r.settleMs)} after the load`,
    '',
    row(['requests', 'sent', 'accepted (2xx)', 'refused (503)', 'other failures']),
    row(['---', '---:', '---:', '---:', '---:']),
    row(['HTTP attempts', r.http.sent, r.http.ok, r.http.refused503, r.http.failed]),
    row([
      'identity webhooks',
      r.webhooksSent,
      i.accepted,
      i.refused,
      `${i.refusedButApplied} refused yet applied whole`,
    ]),
    row([
      'notifications',
      r.notificationsSent,
      r.mail?.accepted ?? '–',
      r.notificationsSent - (r.mail?.accepted ?? 0),
      '',
    ]),
    '',
    row(['effect', 'expected', 'found', 'duplicates', 'losses']),
    row(['---', '---:', '---:', '---:', '---:']),
    row(['inbox rows (identity-sync)', i.inbox.expected, i.inbox.found, i.duplicated.length, i.lost.length]),
    row([
      'identity rows at newest state',
      i.rows.expected,
      i.rows.found - i.wrongState.length,
      '–',
      i.wrongState.length,
    ]),
    row([
      'versions (gap-free, ordered)',
      i.versions.found,
      i.versions.found - i.badHistory.length,
      '–',
      i.badHistory.length,
    ]),
    row([
      'subscriber changes applied',
      i.subscriberChanges.expected,
      i.subscriberChanges.found,
      '–',
      i.subscriberLost.length,
    ]),
    row(['list memberships wrong', 0, i.membershipWrong.length, '–', '–']),
    row([
      'emails',
      r.mail?.emails.expected ?? '–',
      r.mail?.emails.found ?? '–',
      r.mail?.duplicates ?? '–',
      r.mail?.lost.length ?? '–',
    ]),
    row(['dead letters (poison)', r.dead.poison.expected, r.dead.poison.found, '–', r.dead.missing.length]),
    row(['dead letters (good messages)', 0, r.dead.unexpected.length, '–', r.dead.unexpected.length]),
    row(['crashed processes', 0, r.crashes.length, '–', '–']),
    '',
    row(['fault', 'target', 'lasted', 'recovered after', 'graceful exit']),
    row(['---', '---', '---:', '---:', '---']),
    ...r.faults.map((f) =>
      row([
        f.fault,
        f.target,
        ms(f.durationMs),
        ms(f.recoveredMs),
        f.shutdown ? `code ${f.shutdown.code} in ${ms(f.shutdown.ms)}` : '',
      ]),
    ),
    ...switchOverTable(r.faults),
  ];
  return lines.join('\n');
}

function switchOverTable(faults: readonly ChaosReport['faults'][number][]): string[] {
  const nodeFaults = faults.filter((f) => f.switchOver);
  if (nodeFaults.length === 0) return [];
  return [
    '',
    row([
      'node killed',
      'ingress ready again after',
      'all services on other nodes after',
      'webhook attempts while down',
      '503s (or no answer)',
      'last 503 after the kill',
      'ingress then on',
    ]),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---']),
    ...nodeFaults.map((f) =>
      row([
        `${f.target} (${f.fault})`,
        ms(f.switchOver!.readyAfterMs),
        ms(f.switchOver!.movedAfterMs),
        f.switchOver!.answered,
        f.switchOver!.refused,
        ms(f.switchOver!.refusedForMs),
        f.switchOver!.ingressNode ?? '–',
      ]),
    ),
  ];
}
