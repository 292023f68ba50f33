import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { failures, formatReport, runChaos, shortPlan } from '../src/index.js';

/*
 * The short form of `npm run test:chaos`, in every `npm test`: the real ingress, identity-sync (2 replicas),
 * subscribers and notifier as child processes on this file's own vhost and database, a few hundred webhooks
 * with broker connections cut, a worker SIGKILLed and one SIGTERMed mid-load, the database sessions
 * terminated, SMTP down for a moment, poison and duplicates. Nothing is faked. It never stops the broker.
 */
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

test('short chaos run: nothing accepted is lost or applied twice', { timeout: 180_000 }, async () => {
  const plan = shortPlan(existsSync(`${repoRoot}services/notifier/src/main.ts`));
  const report = await runChaos(plan, { repoRoot });
  console.log(formatReport(report));
  expect(failures(report)).toEqual([]);
  // The services' logs are kept only when something failed (the path is in the report).
  await rm(report.logDir, { recursive: true, force: true });
  // The run really exercised what it claims to.
  expect(report.identities.accepted).toBeGreaterThan(200);
  expect(report.faults.map((f) => f.fault)).toEqual([...plan.faults, ...plan.mailFaults]);
  expect(report.dead.poison.found).toBeGreaterThan(0);
  if (report.mail) expect(report.mail.emails.found).toBeGreaterThan(0);
});
