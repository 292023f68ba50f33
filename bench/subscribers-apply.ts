// CPU per IdentityChanged of the subscribers' apply path alone, on a database of its own: `applyBatch` over N new
// educators, then an address change for each, in batches of each size given. Worker CPU from process.cpuUsage
// (this process), Postgres CPU from /proc of that database's backends only (the machine's other databases are
// not counted). No broker: the transaction and its statements are what is measured.
//   N=1000 BATCHES=1,10,50 npx tsx --conditions=source bench/subscribers-apply.ts
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CanonicalIdentity, IdentityChangedData } from '@identity-relay/contracts';
import { Prisma, sqlQuery } from '@identity-relay/db';
import { createTestDatabase } from '@identity-relay/db/testing';
import { createLogger, createMetrics } from '@identity-relay/runtime';
import { createSubscribersWorker, defaultRules } from '../services/subscribers/src/index.js';

const N = Number(process.env.N ?? 1000);
const BATCHES = (process.env.BATCHES ?? '1,10,50').split(',').map(Number);
const CLOCK_TICK_US = 10_000;

const db = await createTestDatabase();
const { registry } = createMetrics('subscribers-apply');
const worker = createSubscribersWorker({
  prisma: db.prisma,
  bus: undefined as never, // only start() consumes
  logger: createLogger({ service: 'subscribers-apply', level: 'silent' }),
  registry,
  rules: defaultRules('user_type'),
  config: { retryDelaysMs: [], prefetch: 10 },
});

function ticks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
const backends = async () =>
  (
    await sqlQuery<{ pid: number }>(
      db.prisma,
      Prisma.sql`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`,
    )
  ).map((r) => r.pid);

const educator = (email: string): CanonicalIdentity => ({
  provider: 'kratos',
  externalId: randomUUID(),
  email,
  username: null,
  emailVerified: true,
  state: 'active',
  traits: { email, user_type: 'educator' },
  sourceUpdatedAt: '2026-01-01T00:00:00.000Z',
});

async function phase(name: string, batch: number, changes: IdentityChangedData[]): Promise<void> {
  const items = changes.map((data) => ({ messageId: randomUUID(), data }));
  const before = new Map((await backends()).map((pid) => [pid, ticks(pid)]));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < items.length; i += batch) await worker.applyBatch(items.slice(i, i + batch));
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  let pg = 0;
  for (const [pid, t] of before) pg += ticks(pid) - t;
  const perMessage = (us: number) => Math.round(us / items.length);
  console.log(
    `${name} batch=${batch}: ${Math.round(items.length / seconds)} msg/s, worker ${perMessage(cpu.user + cpu.system)} µs/msg, postgres ${perMessage(pg * CLOCK_TICK_US)} µs/msg`,
  );
}

try {
  // Warm-up: compile the paths once before anything is measured.
  await phase('warm-up', 10, [
    {
      identityId: randomUUID(),
      change: 'created',
      identity: educator(`w-${randomUUID()}@school.edu`),
      previous: null,
      version: 1,
    },
  ]);
  for (const batch of BATCHES) {
    const tag = randomUUID().slice(0, 8);
    const ids = Array.from({ length: N }, () => randomUUID());
    const created = ids.map((identityId, i) => educator(`u${i}-${tag}@school.edu`));
    await phase(
      'create',
      batch,
      ids.map((identityId, i) => ({
        identityId,
        change: 'created',
        identity: created[i]!,
        previous: null,
        version: 1,
      })),
    );
    await phase(
      'move  ',
      batch,
      ids.map((identityId, i) => ({
        identityId,
        change: 'updated',
        identity: educator(`v${i}-${tag}@school.edu`),
        previous: created[i]!,
        version: 2,
      })),
    );
  }
} finally {
  await db.drop();
}
