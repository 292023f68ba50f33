import { describe, expect, test } from 'vitest';
import { failures, formatReport, type ChaosReport } from './report.js';

function clean(): ChaosReport {
  return {
    form: 'short',
    replicas: { identitySync: 2, subscribers: 1, notifier: 1 },
    webhooksSent: 10,
    notificationsSent: 1,
    http: { sent: 12, ok: 10, refused503: 2, failed: 0 },
    identities: {
      accepted: 10,
      refused: 0,
      refusedButApplied: 0,
      inbox: { expected: 10, found: 10 },
      rows: { expected: 3, found: 3 },
      versions: { found: 8 },
      subscriberChanges: { expected: 8, found: 8 },
      lost: [],
      duplicated: [],
      halfApplied: [],
      invented: [],
      wrongState: [],
      badHistory: [],
      unpublishedOutbox: 0,
      subscriberLost: [],
      membershipWrong: [],
    },
    mail: { accepted: 1, emails: { expected: 2, found: 2 }, duplicates: 0, lost: [], unexpected: [] },
    mailWindow: 0,
    dead: { poison: { expected: 5, found: 5 }, unexpected: [], missing: [] },
    faults: [
      { fault: 'sync-sigkill', target: 'identity-sync-1', durationMs: 0, recoveredMs: 120 },
      {
        fault: 'ingress-sigterm',
        target: 'ingress',
        durationMs: 900,
        recoveredMs: 80,
        shutdown: { code: 0, ms: 150, graceMs: 3000 },
      },
      { fault: 'smtp-down', target: 'smtp sink', durationMs: 1500, recoveredMs: undefined },
    ],
    crashes: [],
    idMismatches: [],
    backlog: { unapplied: 0, unpublished: 0, unsubscribed: 0, unmailed: 0, queued: 0 },
    settleMs: 1000,
    totalMs: 20_000,
    logDir: '/tmp/x',
  };
}

describe('failures', () => {
  test('a clean run has none, and its summary names every fault', () => {
    expect(failures(clean())).toEqual([]);
    const text = formatReport(clean());
    expect(text).toContain('| sync-sigkill | identity-sync-1 | 0.0 s | 0.1 s |');
    expect(text).toContain('code 0 in 0.1 s');
  });

  test('losses, double effects and dead-lettered good messages are violations', () => {
    const r = clean();
    r.identities.lost.push('m1');
    r.identities.duplicated.push('m2 ×2');
    r.dead.unexpected.push('identity-sync.dead: m3');
    expect(failures(r)).toEqual([
      'accepted webhooks lost: 1 (m1)',
      'applied twice: 1 (m2 ×2)',
      'good messages dead-lettered: 1 (identity-sync.dead: m3)',
    ]);
  });

  test('duplicate emails are allowed only within the SIGKILL window', () => {
    const r = clean();
    r.mail!.duplicates = 2;
    expect(failures(r)).toEqual(['duplicate emails: 2 (window allows 0)']);
    r.mailWindow = 5;
    expect(failures(r)).toEqual([]);
  });

  test('a SIGTERM that exits non-zero or outlasts the grace, and a fault never recovered from, are violations', () => {
    const r = clean();
    r.faults[1]!.shutdown = { code: 1, ms: 5100, graceMs: 5000 };
    r.faults[0]!.recoveredMs = undefined;
    expect(failures(r)).toEqual([
      'no recovery after sync-sigkill (identity-sync-1)',
      'ingress: SIGTERM exit 1 after 5100 ms (grace 5000)',
    ]);
  });

  test('a node kill is clean only with traffic during it and every service back on a surviving node', () => {
    const nodeKill = (): ChaosReport['faults'][number] => ({
      fault: 'node-kill-ingress',
      target: 'n1@localhost',
      durationMs: 9000,
      recoveredMs: 300,
      at: 1000,
      switchOver: {
        readyAfterMs: 800,
        movedAfterMs: 1200,
        ingressNode: 'n2@localhost',
        connections: { ingress: ['n2'], 'identity-sync': ['n2', 'n3'] },
        answered: 40,
        refused: 3,
        refusedForMs: 700,
      },
    });
    const r = clean();
    r.faults = [nodeKill()];
    r.connectionsAtEnd = {
      expected: { ingress: 1, 'identity-sync': 2 },
      found: { ingress: ['n2'], 'identity-sync': ['n2', 'n1'] },
    };
    r.refusedOutsideSwitchOver = 0;
    expect(failures(r)).toEqual([]);
    expect(formatReport(r)).toContain(
      '| n1@localhost (node-kill-ingress) | 0.8 s | 1.2 s | 40 | 3 | 0.7 s | n2@localhost |',
    );

    r.faults[0]!.switchOver = { ...nodeKill().switchOver!, movedAfterMs: undefined, answered: 0 };
    r.faults[0]!.switchOver.ingressNode = 'n1@localhost';
    r.connectionsAtEnd.found['identity-sync'] = ['n2'];
    r.refusedOutsideSwitchOver = 2;
    expect(failures(r)).toEqual([
      'node-kill-ingress: the ingress was not on a surviving node (n1@localhost)',
      'node-kill-ingress: the services were not all back on surviving nodes ({"ingress":["n2"],"identity-sync":["n2","n3"]})',
      'node-kill-ingress: no webhook traffic while n1@localhost was down',
      'services not all connected at the end: {"ingress":["n2"],"identity-sync":["n2"]}',
      'webhook attempts refused outside a switch-over: 2',
    ]);
  });
});
