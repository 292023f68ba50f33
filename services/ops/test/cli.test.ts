// The identity-relay CLI run as a child process (bin/identity-relay.mjs, as `npx identity-relay`
// runs it) against a real database and broker.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES, type RawDelivery } from '@identity-relay/bus';
import { createTestVhost, queueDepth, type TestVhost } from '@identity-relay/bus/testing';
import { dropDatabase, uniqueTestDatabaseUrl } from '@identity-relay/db/testing';
import { OpsService } from '../src/index.js';
import { startOpsHarness, type OpsHarness } from './harness.js';

const BIN = fileURLToPath(new URL('../bin/identity-relay.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let h: OpsHarness;
let ops: OpsService;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}, opts: { npx?: boolean } = {}): Promise<Run> {
  const [file, argv] = opts.npx
    ? ['npx', ['--no-install', 'identity-relay', ...args]]
    : [process.execPath, [BIN, ...args]];
  return new Promise((resolve) => {
    execFile(
      file,
      argv,
      {
        cwd: ROOT,
        timeout: 60_000,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          NODE_ENV: 'test',
          DATABASE_URL: h.db.url,
          AMQP_URL: h.vhost.url,
          RETRY_DELAYS_MS: '50',
          ...env,
        },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

const json = (r: Run): unknown => JSON.parse(r.stdout);

function deadLetter(queue: string, type: string, minutesAgo: number): RawDelivery {
  const id = randomUUID();
  const exchange = queue === QUEUES.notifier ? 'notifications' : 'identity.events';
  const routingKey = queue === QUEUES.notifier ? 'notification.news' : 'kratos.identity.updated';
  return {
    queue: `${queue}.dead`,
    content: Buffer.from(JSON.stringify({ id, type })),
    properties: { messageId: id, type, headers: {} } as never,
    headers: {
      'x-error': `refused ${id}`,
      'x-error-class': 'PermanentError',
      'x-attempts': 1,
      'x-dead-lettered-at': new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      'x-original-exchange': exchange,
      'x-original-routing-key': routingKey,
      'x-service': queue,
      'x-host': 'w1',
    },
    exchange: '',
    routingKey: `${queue}.dead`,
    redelivered: false,
  };
}

beforeAll(async () => {
  h = await startOpsHarness();
  await h.archive.stop();
  ops = new OpsService({ repo: h.repo, actions: h.actions, admin: h.admin, retryDelaysMs: [50] });
  for (let i = 0; i < 4; i++)
    await h.archive.store(deadLetter(QUEUES.identitySync, 'KratosIdentityUpdated', i + 1));
  for (let i = 0; i < 3; i++)
    await h.archive.store(deadLetter(QUEUES.notifier, 'NotificationRequested', 10 + i));
});

afterAll(async () => {
  await h?.dispose();
});

describe('identity-relay CLI', () => {
  it('runs as `npx identity-relay` from the repository root', async () => {
    const r = await run(['--help'], {}, { npx: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dlq[\s\S]*migrate[\s\S]*topology/);
  });

  it('dlq list prints a table, and with --json exactly what the API answers', async () => {
    const [table, asJson] = await Promise.all([
      run(['dlq', 'list']),
      run(['dlq', 'list', '--queue', 'notifier', '--json']),
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^ID\s+DEAD-LETTERED\s+QUEUE\s+TYPE\s+STATUS\s+ATTEMPTS\s+ERROR$/,
    );
    expect(table.stdout.trim().split('\n')).toHaveLength(8);
    expect(json(asJson)).toEqual(await ops.list({ queue: 'notifier' }));
  });

  it('dlq list pages with --limit and --cursor', async () => {
    const first = json(await run(['dlq', 'list', '--limit', '5', '--json'])) as {
      items: unknown[];
      nextCursor: string;
    };
    expect(first.items).toHaveLength(5);
    const second = json(
      await run(['dlq', 'list', '--limit', '5', '--cursor', first.nextCursor, '--json']),
    ) as { items: unknown[]; nextCursor: null };
    expect(second).toMatchObject({ nextCursor: null });
    expect(second.items).toHaveLength(2);
  });

  it('exits 2 for bad arguments, with a clear message', async () => {
    const cases = [
      ['dlq', 'list', '--status', 'done'],
      ['dlq', 'list', '--since', 'yesterday'],
      ['dlq', 'list', '--limit', '0'],
      ['dlq', 'show', 'not-a-uuid'],
      ['dlq', 'replay'],
      ['dlq', 'replay', '--filter', 'colour=red'],
      ['dlq', 'discard', randomUUID(), '--filter', 'queue=x'],
      ['dlq', 'nope'],
    ];
    const results = await Promise.all(cases.map((args) => run(args)));
    results.forEach((r, i) => {
      expect(r.code, cases[i]!.join(' ')).toBe(2);
      expect(r.stderr, cases[i]!.join(' ')).toMatch(/error/i);
    });
    expect(results[1]!.stderr).toContain('since: must be an ISO 8601 date-time');
    expect(results[4]!.stderr).toContain('give dead-letter ids, or --filter');
  });

  it('dlq show prints one dead letter (JSON like the API), exits 1 for an unknown id', async () => {
    const [item] = (await ops.list({ queue: 'identity-sync', limit: 1 })).items;
    const [human, asJson, unknown] = await Promise.all([
      run(['dlq', 'show', item!.id]),
      run(['dlq', 'show', item!.id, '--json']),
      run(['dlq', 'show', randomUUID()]),
    ]);
    expect(human.stdout).toContain(`message id    ${item!.messageId}`);
    expect(human.stdout).toContain('"x-service": "identity-sync"');
    expect(json(asJson)).toEqual(await ops.get(item!.id));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no dead letter/);
  });

  it('dlq groups and dlq stats', async () => {
    const [groups, stats, statsText] = await Promise.all([
      run(['dlq', 'groups', '--json']),
      run(['dlq', 'stats', '--json']),
      run(['dlq', 'stats']),
    ]);
    // The error texts differ only by the message's uuid, which the fingerprint normalizes away.
    const items = (json(groups) as { items: Array<{ queue: string; count: number }> }).items;
    expect(items.map((g) => [g.queue, g.count]).sort()).toEqual([
      ['identity-sync', 4],
      ['notifier', 3],
    ]);
    expect(json(stats)).toMatchObject({
      deadLetters: { byStatus: { open: 7 } },
      queues: expect.arrayContaining([expect.objectContaining({ queue: 'notifier' })]),
    });
    expect(statsText.stdout).toMatch(/QUEUE\s+WORK\s+CONSUMERS\s+RETRY\s+DEAD\s+OPEN/);
  });

  it('dlq replay <id> replays once, refuses again (exit 1) unless --force', async () => {
    const [item] = (await ops.list({ queue: 'identity-sync', limit: 1 })).items;
    const first = await run(['dlq', 'replay', item!.id, '--json']);
    expect(first.code).toBe(0);
    expect(json(first)).toEqual([
      expect.objectContaining({ id: item!.id, status: 'replayed', replayCount: 1 }),
    ]);
    const again = await run(['dlq', 'replay', item!.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already replayed/);
    expect((await run(['dlq', 'replay', item!.id, '--force'])).code).toBe(0);
    expect(await queueDepth(h.vhost.url, QUEUES.identitySync)).toBe(2);
    const audit = await h.prisma.auditLog.findMany({ where: { deadLetterIds: { has: item!.id } } });
    expect(audit).toHaveLength(2);
    expect(audit[0]!.actor).toMatch(/^cli:/);
  });

  it('dlq replay --filter: the dry run count equals the real run', async () => {
    const dry = json(await run(['dlq', 'replay', '--filter', 'queue=notifier', '--dry-run', '--json'])) as {
      count: number;
      sample: unknown[];
    };
    expect(dry.count).toBe(3);
    expect(dry.sample).toHaveLength(3);
    const text = await run(['dlq', 'replay', '--filter', 'queue=notifier', '--dry-run']);
    expect(text.stdout).toContain('dry run: 3 dead letter(s) would be replayed');
    const real = json(await run(['dlq', 'replay', '--filter', 'queue=notifier', '--json'])) as {
      count: number;
    };
    expect(real.count).toBe(dry.count);
    expect(await queueDepth(h.vhost.url, QUEUES.notifier)).toBe(3);
  });

  it('dlq discard by id and by filter; unknown ids exit 1', async () => {
    const open = (await ops.list({ status: 'open', queue: 'identity-sync' })).items;
    expect(open).toHaveLength(3);
    expect((await run(['dlq', 'discard', open[0]!.id])).code).toBe(0);
    const missing = await run(['dlq', 'discard', randomUUID()]);
    expect(missing.code).toBe(1);
    const partly = await run(['dlq', 'discard', open[1]!.id, randomUUID()]);
    expect(partly.code).toBe(1);
    expect((await ops.get(open[1]!.id)).status).toBe('discarded');
    const bulk = json(
      await run(['dlq', 'discard', '--filter', 'queue=identity-sync', '--filter', 'status=open', '--json']),
    ) as { count: number };
    expect(bulk.count).toBe(1);
    expect((await ops.list({ status: 'open' })).items).toHaveLength(0);
  });

  it('exits 1 with the reason when the broker is unreachable for a replay', async () => {
    const [item] = (await ops.list({ status: 'discarded', limit: 1 })).items;
    const r = await run(['dlq', 'replay', item!.id], { AMQP_URL: 'amqp://guest:guest@127.0.0.1:1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/BrokerUnavailableError/);
    expect((await ops.get(item!.id)).status).toBe('discarded');
  });
});

describe('identity-relay migrate and topology', () => {
  let vhost: TestVhost;
  const dbUrl = uniqueTestDatabaseUrl();

  beforeAll(async () => {
    vhost = await createTestVhost();
  });

  afterAll(async () => {
    await vhost?.dispose();
    await dropDatabase(dbUrl);
  });

  it('migrate creates and migrates a database, then finds it up to date', async () => {
    const first = await run(['migrate'], { DATABASE_URL: dbUrl });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/applied \d+ migration\(s\)/);
    const second = await run(['migrate'], { DATABASE_URL: dbUrl });
    expect(second.stdout).toContain('database is up to date');
    expect((await run(['dlq', 'list'], { DATABASE_URL: dbUrl })).stdout).toContain('no dead letters match');
  });

  it('topology verify reports what is missing (exit 1); declare fixes it; verify then passes', async () => {
    const before = await run(['topology', 'verify', '--json'], { AMQP_URL: vhost.url });
    expect(before.code).toBe(1);
    expect(
      (json(before) as { problems: Array<{ problem: string }> }).problems.every(
        (p) => p.problem === 'missing',
      ),
    ).toBe(true);
    const declare = await run(['topology', 'declare'], { AMQP_URL: vhost.url });
    expect(declare.code).toBe(0);
    expect(declare.stdout).toMatch(/declared 5 exchanges, 9 queues, 4 bindings/);
    const after = await run(['topology', 'verify'], { AMQP_URL: vhost.url });
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('topology ok');
  });
});

describe('identity-relay CLI output', () => {
  it('prints terminal escapes, OSC 52 clipboard writes and forged lines from a dead letter as text', async () => {
    const hostile = deadLetter(QUEUES.subscribers, 'IdentityChanged\u001b]0;pwned\u0007', 1);
    hostile.headers['x-error'] = 'boom\u001b]52;c;cm0gLXJmIH4=\u0007\r\nid  status  forged line\u009b2J';
    hostile.content = Buffer.from('{"note": "\\u001b[31mred"}\n\u001b]52;c;eA==\u0007');
    await h.archive.store(hostile);
    const [item] = (await ops.list({ queue: 'subscribers', limit: 1 })).items;
    const outputs = await Promise.all([
      run(['dlq', 'list', '--queue', 'subscribers']),
      run(['dlq', 'show', item!.id]),
      run(['dlq', 'show', item!.id, '--json']),
    ]);
    for (const r of outputs) {
      expect(r.code).toBe(0);
      // eslint-disable-next-line no-control-regex -- control characters are what this looks for
      expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    }
    const [list, show, asJson] = outputs;
    expect(list!.stdout).toContain('\\e]0;pwned\\u0007');
    expect(list!.stdout.trimEnd().split('\n')).toHaveLength(2); // header and one row: no forged line
    expect(show!.stdout).toContain('boom\\e]52;c;cm0gLXJmIH4=\\u0007\\r\\nid  status  forged line\\u009b2J');
    expect(show!.stdout).toContain('\\e]52;c;eA==\\u0007');
    expect((JSON.parse(asJson!.stdout) as { error: string }).error).toBe(hostile.headers['x-error']);
  }, 180_000);
});
