import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { createTestVhost, closeVhostConnections, type TestVhost } from '@identity-relay/bus/testing';
import { migrate } from '@identity-relay/db';
import { dropDatabase, startPgBouncer, uniqueTestDatabaseUrl } from '@identity-relay/db/testing';
import { RabbitCluster } from './rabbit-cluster.js';

const run = promisify(execFile);

/**
 * The run's own RabbitMQ vhost and Postgres database, and the faults that act on them. Everything here
 * touches only this run's vhost and database, except `restartBroker`, which stops RabbitMQ for the
 * whole machine and is therefore used by the long form only.
 */
export interface ChaosEnvironment {
  vhost: TestVhost;
  databaseUrl: string;
  /** Overrides of the services' AMQP_URL / DATABASE_URL / DATABASE_DIRECT_URL (cluster runs). */
  serviceEnv: Record<string, string>;
  /** The 3-node cluster the run's vhost lives on (cluster runs only). */
  rabbitCluster?: RabbitCluster;
  /** A pool on the run's database for the checks (kept out of the faults by its application name). */
  db: pg.Pool;
  closeBrokerConnections(): Promise<void>;
  /** `pg_terminate_backend` of every session whose application_name is one of `applications`; returns how many. */
  terminateSessions(applications: readonly string[]): Promise<number>;
  /** `ALTER DATABASE … ALLOW_CONNECTIONS`; going unavailable also drops the services' sessions. */
  setDatabaseAvailable(available: boolean): Promise<void>;
  /** `rabbitmqctl stop_app`, wait `downMs`, `start_app`, `await_startup`. Stops the broker for everyone. */
  restartBroker(downMs: number): Promise<void>;
  dispose(): Promise<void>;
}

/** Name the checks' pool shows in pg_stat_activity; the faults leave it alone. */
const CHECKS_APPLICATION = 'identity-relay-chaos';

async function rabbitmqctl(...args: string[]): Promise<void> {
  await run('rabbitmqctl', ['-q', ...args], { timeout: 180_000 });
}

function serverUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
}

async function onServer<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl(databaseUrl) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createChaosEnvironment(): Promise<ChaosEnvironment> {
  const vhost = await createTestVhost();
  const databaseUrl = uniqueTestDatabaseUrl('ir_chaos');
  const name = new URL(databaseUrl).pathname.slice(1);
  // Migrated once up front: the services migrate on start too, but then find nothing to do.
  await migrate({ databaseUrl });
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4, application_name: CHECKS_APPLICATION });
  db.on('error', () => undefined); // idle sessions dropped by a fault; the pool reconnects on demand

  return {
    vhost,
    databaseUrl,
    serviceEnv: {},
    db,
    closeBrokerConnections: () => closeVhostConnections(vhost.vhost, 'chaos: connection loss'),
    terminateSessions: (applications) =>
      onServer(databaseUrl, async (client) => {
        const { rowCount } = await client.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = $1 AND application_name = ANY($2::text[]) AND pid <> pg_backend_pid()`,
          [name, applications],
        );
        return rowCount ?? 0;
      }),
    setDatabaseAvailable: (available) =>
      onServer(databaseUrl, async (client) => {
        await client.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS ${available}`);
        if (!available)
          await client.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = $1 AND application_name <> $2 AND pid <> pg_backend_pid()`,
            [name, CHECKS_APPLICATION],
          );
      }),
    restartBroker: async (downMs) => {
      await rabbitmqctl('stop_app');
      try {
        await new Promise((resolve) => setTimeout(resolve, downMs));
      } finally {
        await rabbitmqctl('start_app');
        await rabbitmqctl('await_startup', '--timeout', '120');
      }
    },
    dispose: async () => {
      await db.end().catch(() => undefined);
      await onServer(databaseUrl, (c) =>
        c.query(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`),
      ).catch(() => undefined);
      await dropDatabase(databaseUrl).catch(() => undefined);
      await vhost.dispose().catch(() => undefined);
    },
  };
}

/**
 * The environment of a production-topology run: the vhost on a fresh 3-node RabbitMQ cluster (every node
 * in the services' AMQP_URL) and the services' DATABASE_URL through PgBouncer in transaction mode, with
 * DATABASE_DIRECT_URL for their migrations. The checks read Postgres directly. Everything is removed by
 * dispose(), the cluster and PgBouncer included.
 */
export async function createClusterEnvironment(): Promise<ChaosEnvironment> {
  const rabbit = await RabbitCluster.start();
  const bouncer = await startPgBouncer().catch(async (err: unknown) => {
    await rabbit.stop();
    throw err;
  });
  const base = await createChaosEnvironment().catch(async (err: unknown) => {
    await bouncer.stop();
    await rabbit.stop();
    throw err;
  });
  // The shared broker's vhost of the base environment is not used: the cluster has its own.
  await base.vhost.dispose().catch(() => undefined);
  const unsupported = (what: string) => () => Promise.reject(new Error(`${what} is not a cluster fault`));
  return {
    ...base,
    vhost: { url: rabbit.url, vhost: rabbit.vhost, dispose: () => rabbit.stop() },
    rabbitCluster: rabbit,
    serviceEnv: {
      AMQP_URL: rabbit.url,
      DATABASE_URL: bouncer.through(base.databaseUrl),
      DATABASE_DIRECT_URL: base.databaseUrl,
    },
    closeBrokerConnections: unsupported('broker-connections'),
    restartBroker: unsupported('broker-restart'),
    dispose: async () => {
      await base.dispose(); // database (its vhost is gone already)
      await bouncer.stop();
      await rabbit.stop();
    },
  };
}
