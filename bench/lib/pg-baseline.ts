import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Rate } from './amqp.js';

const TABLE = 'bench_upsert';

async function ensureTable(pool: pg.Pool): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (
    id uuid PRIMARY KEY, email text, traits jsonb NOT NULL, version int NOT NULL, updated_at timestamptz NOT NULL)`);
}

const TRAITS = JSON.stringify({
  email: 'ada@school.example',
  user_type: 'educator',
  name: { first: 'Ada', last: 'L' },
});

/**
 * Raw `pg`, one upsert per statement, each its own commit, on one connection, for `seconds`: what a worker
 * that commits every message separately can reach at best. Ids repeat (1 in 4) so some rows are updates.
 */
export async function pgOneRowPerCommit(pool: pg.Pool, seconds: number): Promise<Rate> {
  await ensureTable(pool);
  const client = await pool.connect();
  const ids = Array.from({ length: 1000 }, () => randomUUID());
  try {
    const started = performance.now();
    const until = started + seconds * 1000;
    let count = 0;
    while (performance.now() < until) {
      const id = count % 4 === 0 ? ids[count % ids.length]! : randomUUID();
      await client.query(
        `INSERT INTO ${TABLE} (id, email, traits, version, updated_at) VALUES ($1, $2, $3::jsonb, 1, now())
         ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, traits = EXCLUDED.traits,
           version = ${TABLE}.version + 1, updated_at = EXCLUDED.updated_at`,
        [id, `u${count}@school.example`, TRAITS],
      );
      count++;
    }
    const elapsed = (performance.now() - started) / 1000;
    return { count, seconds: elapsed, perSecond: count / elapsed };
  } finally {
    client.release();
  }
}

/** The same upsert, `perStatement` (default=100) rows per statement through unnest, each statement a commit. */
export async function pgBatchedUpsert(pool: pg.Pool, seconds: number, perStatement = 100): Promise<Rate> {
  await ensureTable(pool);
  const client = await pool.connect();
  try {
    const started = performance.now();
    const until = started + seconds * 1000;
    let count = 0;
    while (performance.now() < until) {
      const ids = Array.from({ length: perStatement }, () => randomUUID());
      const emails = ids.map((_, i) => `u${count + i}@school.example`);
      await client.query(
        `INSERT INTO ${TABLE} (id, email, traits, version, updated_at)
         SELECT id, email, $3::jsonb, 1, now() FROM unnest($1::uuid[], $2::text[]) AS u(id, email)
         ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, traits = EXCLUDED.traits,
           version = ${TABLE}.version + 1, updated_at = EXCLUDED.updated_at`,
        [ids, emails, TRAITS],
      );
      count += perStatement;
    }
    const elapsed = (performance.now() - started) / 1000;
    return { count, seconds: elapsed, perSecond: count / elapsed };
  } finally {
    client.release();
  }
}
