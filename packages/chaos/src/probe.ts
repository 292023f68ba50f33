import type pg from 'pg';
import type { WebhookDriver, ChaosIdentity } from './workload.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends one fresh identity (retrying like an IdP until accepted) and waits until it went all the way
 * through: row written and, with subscribers running, its change applied to the lists. Returns the time
 * that took in milliseconds, or undefined after `timeoutMs`.
 */
export async function canary(
  driver: WebhookDriver,
  db: pg.Pool,
  identity: ChaosIdentity,
  subscribers: boolean,
  timeoutMs: number,
): Promise<number | undefined> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let record = await driver.send({ identity, n: 0 }, 'canary');
  while (!record.accepted && Date.now() < deadline) record = await driver.send({ identity, n: 0 }, 'canary');
  const sql = subscribers
    ? `SELECT 1 FROM identities i JOIN subscriber_identity_versions s ON s.identity_id = i.id
       WHERE i.external_id = $1 AND s.version >= 1`
    : 'SELECT 1 FROM identities WHERE external_id = $1';
  while (Date.now() < deadline) {
    const { rowCount } = await db.query(sql, [identity.id]).catch(() => ({ rowCount: 0 }));
    if (rowCount) return Date.now() - started;
    await sleep(50);
  }
  return undefined;
}
