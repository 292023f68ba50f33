// Erasure over the HTTP API and the CLI against a real database and broker: the dry run counts, the real
// run redacts, IdentityErased is published, and afterwards a dump of the whole database and the mail
// folder do not contain the person's address anywhere.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readQueue } from '@identity-relay/bus/testing';
import { createOps } from '../src/index.js';
import { runCli } from './cli-runner.js';
import { startOpsHarness, type OpsHarness } from './harness.js';
import { serveOpsApi, type ApiBody, type ApiCall } from './http-server.js';
import { seedPerson, type SeededPerson } from './identity-fixtures.js';

const TOKEN = 'erasure-token-0123456789';
let h: OpsHarness;
let call: ApiCall;
let close: () => Promise<void>;
let mailDir: string;
let ada: SeededPerson;
let bob: SeededPerson;
let cleo: SeededPerson;

/** The whole database as SQL text, lower-cased: what a grep of it sees. */
function dumpDatabase(): string {
  return execFileSync('pg_dump', ['--data-only', '--no-owner', h.db.url], { maxBuffer: 256 * 1024 * 1024 })
    .toString('utf8')
    .toLowerCase();
}

function mailFolderText(): string {
  return readdirSync(mailDir)
    .map((n) => readFileSync(join(mailDir, n), 'utf8'))
    .join('\n')
    .toLowerCase();
}

function writeEml(to: string, name: string): void {
  writeFileSync(
    join(mailDir, name),
    `From: identity-relay <no-reply@localhost>\r\nTo: ${to}\r\nSubject: Exam dates\r\n\r\nHello ${to}.\r\n`,
  );
}

beforeAll(async () => {
  h = await startOpsHarness();
  await h.archive.stop();
  mailDir = mkdtempSync(join(tmpdir(), 'ir-erasure-mail-'));
  ada = await seedPerson(h, 'Ada.Erased@school.example');
  bob = await seedPerson(h, 'bob.kept@school.example');
  cleo = await seedPerson(h, 'cleo.cli@school.example');
  writeEml('ada.erased@school.example', 'a.eml');
  writeEml('bob.kept@school.example', 'b.eml');
  writeEml('cleo.cli@school.example', 'c.eml');
  // An operator once bulk-discarded by Ada's address: the audit row held it.
  await h.services.ops.bulk('discard', { filter: { email: ada.email }, dryRun: true }, 'ops-token');
  await h.repo.audit({
    actor: 'ops-token',
    action: 'discard',
    deadLetterIds: [],
    count: 0,
    filter: { email: ada.email },
  });
  await h.listenForErasures();
  const services = createOps({ prisma: h.prisma, bus: h.bus, admin: h.admin, retryDelaysMs: [50], mailDir });
  ({ call, close } = await serveOpsApi(h.prisma, services, TOKEN));
});

afterAll(async () => {
  await close?.();
  await h?.dispose();
});

describe('POST /api/identities/:id/erase', () => {
  it('requires dryRun to be said, and the operator role', async () => {
    expect((await call('POST', `/api/identities/${ada.id}/erase`, {})).status).toBe(400);
    expect(
      (await call('POST', '/api/identities/6f1c1f7e-4a43-4a83-9d39-0d7fb3c5e0aa/erase', { dryRun: true }))
        .status,
    ).toBe(404);
  });

  it('dry run counts what would be touched and changes nothing', async () => {
    const res = await call('POST', `/api/identities/${ada.id}/erase`, { dryRun: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      dryRun: true,
      alreadyErased: false,
      counts: {
        identityEvents: 3,
        subscribers: 1,
        optOuts: 1,
        emailDeliveries: 1,
        deadLetters: 1,
        auditEntries: 1,
        mailFiles: 1,
      },
    });
    expect(dumpDatabase()).toContain('ada.erased@school.example');
    expect(mailFolderText()).toContain('ada.erased@school.example');
  });

  it('erases: nothing in the database or the mail folder holds the address afterwards; others are kept', async () => {
    const res = await call('POST', `/api/identities/${ada.id}/erase`, { dryRun: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      dryRun: false,
      published: true,
      counts: { deadLetters: 1, mailFiles: 1 },
    });
    const dump = dumpDatabase();
    expect(dump).not.toContain('ada.erased@school.example');
    expect(dump).not.toContain('ada.erased');
    expect(mailFolderText()).not.toContain('ada.erased');
    expect(dump).toContain('bob.kept@school.example');
    expect(mailFolderText()).toContain('bob.kept@school.example');
  });

  it('keeps the identity as a tombstone with its external id, and the timeline says it was erased', async () => {
    const row = await h.prisma.identity.findUniqueOrThrow({ where: { id: ada.id } });
    expect(row).toMatchObject({ email: null, username: null, traits: {}, externalId: ada.externalId });
    expect(row.erasedAt).toBeInstanceOf(Date);
    expect(row.deletedAt).toBeInstanceOf(Date);
    const timeline = (await call('GET', `/api/identities/${ada.id}/timeline`)).body;
    expect(timeline.identity.erasedAt).not.toBeNull();
    expect(timeline.entries.filter((e: ApiBody) => e.kind === 'membership' || e.kind === 'email')).toEqual(
      [],
    );
  });

  it('publishes IdentityErased with ids only, and audits the erasure without the address', async () => {
    const [message] = await readQueue(h.vhost.url, 'erasures-listener', { count: 1, timeoutMs: 10_000 });
    const event = JSON.parse(message!.content.toString('utf8'));
    expect(event).toMatchObject({
      type: 'IdentityErased',
      data: { identityId: ada.id, provider: 'kratos', externalId: ada.externalId },
    });
    expect(JSON.stringify(event).toLowerCase()).not.toContain('ada.erased');
    const audit = (await call('GET', `/api/audit?action=erase&identityId=${ada.id}`)).body.items;
    expect(audit).toEqual([expect.objectContaining({ actor: 'ops-token', action: 'erase' })]);
    expect(JSON.stringify(audit).toLowerCase()).not.toContain('ada.erased');
  });
});

describe('identity-relay erase', () => {
  const env = (): Record<string, string> => ({
    DATABASE_URL: h.db.url,
    AMQP_URL: h.vhost.url,
    RETRY_DELAYS_MS: '50',
    MAIL_DIR: mailDir,
  });

  it('dry run, then erase by email; an unknown address exits 1', { timeout: 300_000 }, async () => {
    const dry = await runCli(['erase', 'CLEO.CLI@school.example', '--dry-run', '--json'], env());
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, counts: { mailFiles: 1, subscribers: 1 } });
    expect(dumpDatabase()).toContain('cleo.cli@school.example');
    const real = await runCli(['erase', 'cleo.cli@school.example'], env());
    expect(real.code).toBe(0);
    expect(real.stdout).toContain(`erased identity ${cleo.id}`);
    expect(dumpDatabase()).not.toContain('cleo.cli');
    expect(mailFolderText()).not.toContain('cleo.cli');
    expect((await runCli(['erase', 'nobody@school.example'], env())).code).toBe(1);
    expect(bob.id).toBeDefined();
  });
});
