import type { PrismaClient } from '@identity-relay/db';
import { Gauge, type Registry } from 'prom-client';

/**
 * Gauges read from the database on each scrape of the ops service's /metrics: the state the alert rules
 * (infra/prometheus/alerts.yml) watch that no worker counts itself: open dead letters per queue and the
 * identity-sync outbox backlog. One replica of ops is enough to scrape; every replica reports the same.
 */
export function registerStateGauges(prisma: PrismaClient, registry: Registry): void {
  new Gauge({
    name: 'identity_relay_dead_letters_open',
    help: 'Dead letters archived and still open, by work queue',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      const rows = await prisma.deadLetter.groupBy({
        by: ['queue'],
        where: { status: 'open' },
        _count: { _all: true },
      });
      this.reset();
      for (const r of rows) this.set({ queue: r.queue }, r._count._all);
    },
  });
  const outbox = async (): Promise<{ n: bigint; age: number | null }> => {
    const [row] = await prisma.$queryRaw<[{ n: bigint; age: number | null }]>`
      SELECT count(*) AS n, extract(epoch FROM now() - min(created_at))::float8 AS age
      FROM identity_outbox`;
    return row;
  };
  new Gauge({
    name: 'identity_relay_outbox_pending',
    help: 'IdentityChanged events written to the outbox and not yet published',
    registers: [registry],
    async collect() {
      this.set(Number((await outbox()).n));
    },
  });
  new Gauge({
    name: 'identity_relay_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest unpublished outbox event, in seconds (0 when none is pending)',
    registers: [registry],
    async collect() {
      this.set((await outbox()).age ?? 0);
    },
  });
}
