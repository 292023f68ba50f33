// `identity-relay identity show`, `audit` and the person filters of `dlq list`, as child processes against
// a real database and broker.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCloudEvent } from '@identity-relay/contracts';
import { runCli, type CliRun } from './cli-runner.js';
import { startOpsHarness, type OpsHarness } from './harness.js';
import { seedPerson, type SeededPerson } from './identity-fixtures.js';

let h: OpsHarness;
let ada: SeededPerson;
let twin: SeededPerson;

const run = (args: string[]): Promise<CliRun> =>
  runCli(args, { DATABASE_URL: h.db.url, AMQP_URL: h.vhost.url, RETRY_DELAYS_MS: '50' });
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- checked by the assertions
const json = (r: CliRun): any => JSON.parse(r.stdout);

beforeAll(async () => {
  h = await startOpsHarness();
  await h.archive.stop();
  ada = await seedPerson(h, 'ada@school.example');
  // Two identities with one address (one per provider account): `identity show` must not guess.
  twin = await seedPerson(h, 'twin@school.example');
  await seedPerson(h, 'Twin@school.example');
});

afterAll(async () => {
  await h?.dispose();
});

describe('identity show', { timeout: 300_000 }, () => {
  it('prints the timeline of the identity with that email, and with --json the API object', async () => {
    const text = await run(['identity', 'show', 'ada@school.example']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`identity      ${ada.id}`);
    expect(text.stdout).toContain('v2 updated: traits.role student → educator');
    expect(text.stdout).toContain('subscribed educators');
    expect(text.stdout).toContain('250 2.0.0 Ok: queued as 4F2A1');
    const out = await run(['identity', 'show', ada.id, '--json']);
    expect(out.code).toBe(0);
    const timeline = json(out);
    expect(timeline.identity.id).toBe(ada.id);
    expect(timeline.entries.map((e: { kind: string }) => e.kind)).toContain('dead-letter');
  });

  it('finds by external id, lists the candidates when several match, exits 1 when none does', async () => {
    expect(json(await run(['identity', 'show', twin.externalId, '--json'])).identity.id).toBe(twin.id);
    const several = await run(['identity', 'show', 'TWIN@school.example']);
    expect(several.code).toBe(0);
    expect(several.stdout).toContain('2 identities match');
    const none = await run(['identity', 'show', 'nobody@school.example']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no identity matches');
    expect((await run(['identity', 'show', ' '])).code).toBe(2);
  });
});

describe('dlq list by person, and audit', { timeout: 300_000 }, () => {
  it('dlq list --email / --identity-id / --message-id finds that person’s dead letter only', async () => {
    for (const args of [
      ['--email', 'ADA@school.example'],
      ['--identity-id', ada.id],
      ['--message-id', ada.deadMessageId],
    ]) {
      const out = json(await run(['dlq', 'list', ...args, '--json']));
      expect(out.items.map((i: { messageId: string }) => i.messageId)).toEqual([ada.deadMessageId]);
    }
  });

  it('audit shows the CLI user’s discard, filtered by action and dead letter', async () => {
    const [dl] = json(await run(['dlq', 'list', '--email', ada.email, '--json'])).items;
    expect((await run(['dlq', 'discard', dl.id])).code).toBe(0);
    const out = await run(['audit', '--action', 'discard', '--dead-letter-id', dl.id, '--json']);
    expect(out.code).toBe(0);
    expect(json(out).items).toEqual([
      expect.objectContaining({ action: 'discard', count: 1, actor: expect.stringMatching(/^cli:/) }),
    ]);
    const table = await run(['audit']);
    expect(table.stdout.split('\n')[0]).toMatch(/^AT\s+ACTOR\s+ACTION\s+COUNT\s+WHAT$/);
    expect((await run(['audit', '--action', 'explode'])).code).toBe(2);
  });
});

describe('dlq replay --body-file (edit & retry)', { timeout: 300_000 }, () => {
  it('replays a corrected message, refuses an invalid one (exit 2), and dlq show prints who edited what', async () => {
    const event = newCloudEvent({
      type: 'NotificationRequested',
      source: 'test',
      data: { topic: 'exams', list: 'educators', subject: 'BROKEN', text: 'x' },
    });
    await h.archive.store({
      queue: 'notifier.dead',
      content: Buffer.from(JSON.stringify(event)),
      properties: { messageId: event.id, type: event.type, headers: {} } as never,
      headers: {
        'x-error': 'refused',
        'x-error-class': 'PermanentError',
        'x-original-exchange': 'notifications',
        'x-original-routing-key': 'notification.exams',
      },
      exchange: '',
      routingKey: 'notifier.dead',
      redelivered: false,
    });
    const [dl] = json(await run(['dlq', 'list', '--message-id', event.id, '--json'])).items;
    const bad = join(tmpdir(), `ir-edit-bad-${event.id}.json`);
    writeFileSync(bad, JSON.stringify({ ...event, data: { ...event.data, topic: 'no spaces allowed' } }));
    const refused = await run(['dlq', 'replay', dl.id, '--body-file', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('/data/topic');
    const good = join(tmpdir(), `ir-edit-good-${event.id}.json`);
    writeFileSync(good, JSON.stringify({ ...event, data: { ...event.data, subject: 'Exam dates' } }));
    expect((await run(['dlq', 'replay', dl.id, '--body-file', good])).code).toBe(0);
    const shown = await run(['dlq', 'show', dl.id]);
    expect(shown.stdout).toMatch(/edited by cli:\S+ at /);
    expect(shown.stdout).toContain('data.subject: "BROKEN" → "Exam dates"');
  });
});
