// The console in Debian's Chromium driven by playwright-core: sign in, see a failure group, open a
// dead letter, replay it after the cause is fixed, and see its status change. Real broker and
// database. Screenshots go to test-results/screenshots; with UPDATE_SCREENSHOTS=1 also to
// docs/screenshots (the README shows those).
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '@identity-relay/bus';
import { CONSOLE_TOKEN, startConsole } from './console-server.js';
import { startOpsHarness, type OpsHarness } from './harness.js';

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
    ({ url: base, close } = await startConsole(h));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  });

  afterAll(async () => {
    await browser?.close();
    await close?.();
    await h?.dispose();
  });

  it('signs in and shows the failures grouped by cause with queue depths', async () => {
    await page.goto(`${base}/`);
    await expect.poll(() => page.url()).toBe(`${base}/login`);
    await shot('login');
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
});
