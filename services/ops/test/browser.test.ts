// The console in Debian's Chromium driven by playwright-core: sign in, see a failure group, open a
// dead letter, replay it after the cause is fixed, and see its status change; find a person by email, open
// their timeline, edit & retry the dead letter about them, see the audit entry, check the pages at phone width,
// and sign in through a real OpenID Connect provider. Real broker and database. Screenshots go to test-results/screenshots; with UPDATE_SCREENSHOTS=1 also to
// docs/screenshots (the README shows those).
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '@identity-relay/bus';
import { CONSOLE_TOKEN, startConsole } from './console-server.js';
import { startOpsHarness, type OpsHarness } from './harness.js';
import { seedPerson, type SeededPerson } from './identity-fixtures.js';
import { testIdpSignIn, type TestIdp } from './test-idp.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const shotDirs = [
  `${ROOT}test-results/screenshots`,
  ...(process.env.UPDATE_SCREENSHOTS ? [`${ROOT}docs/screenshots`] : []),
];
const available = existsSync(CHROMIUM);
if (!available) console.warn(`browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

let h: OpsHarness;
let browser: Browser;
let page: Page;
let base: string;
let close: () => Promise<void>;
let broken = true;
const ids: string[] = [];
let person: SeededPerson;
let idp: TestIdp;
const PHONE = { width: 390, height: 844 };
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function shot(name: string): Promise<void> {
  for (const dir of shotDirs) {
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
  }
}

describe.skipIf(!available)('console in a browser', () => {
  beforeAll(async () => {
    h = await startOpsHarness();
    await h.startWorker(QUEUES.identitySync, () => broken);
    await h.startWorker(QUEUES.notifier, () => broken);
    for (let i = 0; i < 3; i++) ids.push(await h.publish(QUEUES.identitySync));
    await h.publish(QUEUES.notifier);
    await h.publish(QUEUES.identitySync, { id: 'poison-1', body: Buffer.from('{"not": json') });
    await h.waitForDeadLetters(5);
    await h.startWorker(QUEUES.subscribers, () => false);
    await h.listenForErasures();
    person = await seedPerson(h, 'ada.lovelace@school.example');
    ({ url: base, close } = await startConsole(h, {
      oidcSignIn: testIdpSignIn((started) => (idp = started)),
    }));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  });

  afterAll(async () => {
    await browser?.close();
    await close?.();
    await idp?.close();
    await h?.dispose();
  });

  it('signs in and shows the failures grouped by cause with queue depths', async () => {
    await page.goto(`${base}/`);
    await expect.poll(() => page.url()).toBe(`${base}/login`);
    await shot('login');
    await page.getByRole('link', { name: /^Sign in with / }).waitFor();
    await page.getByLabel('Ops token or OIDC access token').fill(CONSOLE_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    const group = page
      .getByRole('row')
      .filter({ hasText: 'TransientError: downstream refused message' })
      .filter({ hasText: 'identity-sync' });
    await expect.poll(() => group.getByRole('cell').nth(3).textContent()).toBe('3');
    await page.getByRole('table', { name: 'Messages ready in each queue' }).waitFor();
    await shot('overview');
  });

  it('opens the group and a dead letter with its error, headers and pretty body', async () => {
    await page
      .getByRole('row')
      .filter({ hasText: 'TransientError' })
      .filter({ hasText: 'identity-sync' })
      .getByRole('link')
      .click();
    await page.getByRole('heading', { name: 'Dead letters', level: 1 }).waitFor();
    await expect.poll(() => page.getByRole('row').count()).toBe(4); // header + 3
    await shot('list');
    await page.getByRole('link', { name: `Dead letter ${ids[0]}` }).click();
    await page.getByRole('heading', { name: `Dead letter ${ids[0]}` }).waitFor();
    expect(await page.getByLabel('Body (JSON)').textContent()).toContain(`"id": "${ids[0]}"`);
    expect(await page.locator('dd').first().textContent()).toBe('open');
    await shot('detail');
  });

  it('replays it after the fix, with a confirmation, and shows the status change', async () => {
    broken = false;
    await page.getByRole('link', { name: 'Replay…' }).click();
    await page.getByRole('heading', { name: 'Replay this dead letter?' }).waitFor();
    await page.getByRole('button', { name: 'Yes, replay' }).click();
    await page.getByRole('status').filter({ hasText: 'Replayed' }).waitFor();
    expect(await page.locator('dd').first().textContent()).toBe('replayed');
    await expect.poll(() => h.handled.get(QUEUES.identitySync) ?? [], { timeout: 10_000 }).toContain(ids[0]);
    await shot('replayed');
  });

  it('bulk replays the rest of the group after a dry-run count', async () => {
    await page.goto(`${base}/dead-letters?status=open&queue=identity-sync`);
    await page.getByRole('link', { name: 'Replay all matching…' }).click();
    // Two transient failures and the poison message are open on identity-sync.
    expect(await page.getByTestId('dry-run-count').textContent()).toBe('3');
    await shot('bulk-dry-run');
    await page.getByRole('button', { name: 'Yes, replay 3' }).click();
    await page.getByRole('heading', { name: 'Replayed 3 dead letter(s)' }).waitFor();
    await expect.poll(() => (h.handled.get(QUEUES.identitySync) ?? []).length, { timeout: 10_000 }).toBe(3);
  });

  it('shows the .eml outbox', async () => {
    await page.getByRole('link', { name: 'Outbox' }).click();
    await page.getByRole('cell', { name: 'Welcome to the educators list' }).waitFor();
    await shot('outbox');
  });

  it('finds a person by email and opens their timeline', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Identities' }).click();
    await page.getByRole('heading', { name: 'Identities', level: 1 }).waitFor();
    await page.getByLabel('Email').fill('Ada.Lovelace@school.example');
    await page.getByRole('button', { name: 'Find' }).click();
    await shot('identity-search');
    await page.getByRole('link', { name: `Timeline of ${person.email}` }).click();
    await page.getByRole('heading', { name: `Timeline of ${person.email}`, level: 1 }).waitFor();
    const timeline = page.getByRole('list', { name: 'Timeline' });
    await timeline.getByText('Exam dates').waitFor();
    expect(await timeline.getByText('stale').count()).toBe(1);
    expect(
      await timeline.getByRole('listitem').filter({ hasText: 'Version 2 (updated)' }).textContent(),
    ).toMatch(/traits\.role:\s*"student"\s*→\s*"educator"/);
    await shot('timeline');
  });

  it('edits and retries the dead letter about them: schema problems first, then the corrected message', async () => {
    await page.getByRole('link', { name: 'Dead letter on subscribers' }).click();
    await page.getByRole('link', { name: 'Edit & retry…' }).click();
    await page.getByRole('heading', { name: /^Edit & retry/ }).waitFor();
    const editor = page.getByLabel('Corrected message (JSON)');
    const original = JSON.parse(await editor.inputValue()) as Record<string, unknown>;
    await page.getByRole('button', { name: 'Check and replay' }).click();
    await page.getByTestId('edit-problems').getByText('/time: is required').waitFor();
    await shot('edit-refused');
    const fixed = { ...original, time: '2026-01-01T11:00:00.000Z', datacontenttype: 'application/json' };
    await page.getByLabel('Corrected message (JSON)').fill(JSON.stringify(fixed, null, 2));
    await page.getByRole('button', { name: 'Check and replay' }).click();
    await page.getByRole('status').filter({ hasText: 'Edited and replayed' }).waitFor();
    expect(await page.getByLabel('Diff').textContent()).toContain('time: added "2026-01-01T11:00:00.000Z"');
    await expect
      .poll(() => h.handled.get(QUEUES.subscribers) ?? [], { timeout: 15_000 })
      .toContain(person.deadMessageId);
    await shot('edited');
  });

  it('shows who did it in the audit page', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Audit', level: 1 }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'replay' }).first();
    await row.waitFor();
    expect(await row.textContent()).toContain('ops-token');
    await shot('audit');
  });

  it('shows an erasure dry run before anything is erased', async () => {
    await page.goto(`${base}/identities/${person.id}/erase`);
    await page.getByTestId('erasure-counts').waitFor();
    await shot('erase-dry-run');
  });

  it('fits a phone: no page scrolls sideways at 390 px', async () => {
    await page.setViewportSize(PHONE);
    for (const [path, name] of [
      [`/identities/${person.id}`, 'timeline-phone'],
      ['/', 'overview-phone'],
      [`/dead-letters/${ids[1]}`, undefined],
      ['/audit', undefined],
    ] as const) {
      await page.goto(`${base}${path}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      const width = await page.locator('html').evaluate((el) => el.scrollWidth);
      expect(width, path).toBeLessThanOrEqual(PHONE.width);
      if (name) await shot(name);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('signs in through the identity provider (OIDC code flow) in a fresh browser', async () => {
    idp.signInAs({
      sub: 'grace',
      email: 'grace@school.example',
      preferred_username: 'grace',
      roles: ['ops-readers'],
    });
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const other = await fresh.newPage();
    await other.goto(`${base}/login`);
    await other.getByRole('link', { name: /^Sign in with / }).click();
    await other.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    expect(await other.getByText('oidc:grace (grace) · read').count()).toBe(1);
    await fresh.close();
  });
});
