import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../../scripts/infra/rabbitmq-cluster.sh', import.meta.url));

export const CLUSTER_NODES = ['rmq1', 'rmq2', 'rmq3'] as const;
export type ClusterNode = (typeof CLUSTER_NODES)[number];

/** AMQP port of each node, fixed by the script: only one cluster may run on a machine at a time. */
const PORTS: Readonly<Record<ClusterNode, number>> = { rmq1: 5701, rmq2: 5702, rmq3: 5703 };

/**
 * A throw-away 3-node RabbitMQ cluster on this machine (`scripts/infra/rabbitmq-cluster.sh`, beside the
 * shared broker, which it never touches), with a vhost of its own. Needs root (rabbitmqctl runs as the
 * rabbitmq user) and the fixed ports 5701–5703. `stop()` removes everything, whatever state it is in.
 */
export class RabbitCluster {
  readonly vhost = `ir-cluster-${randomBytes(4).toString('hex')}`;
  private readonly down = new Set<ClusterNode>();
  private static readonly running = new Set<RabbitCluster>();

  /** Stops every cluster this process started and has not stopped: for a test's afterAll, whatever happened. */
  static async stopAll(): Promise<void> {
    await Promise.all([...RabbitCluster.running].map((c) => c.stop()));
  }

  private constructor(private readonly dir: string) {}

  static async start(): Promise<RabbitCluster> {
    const cluster = new RabbitCluster(await mkdtemp(join(tmpdir(), 'ir-rmq-cluster-')));
    RabbitCluster.running.add(cluster);
    await chmod(cluster.dir, 0o755); // rabbitmqctl (as user rabbitmq) reads the pid files
    try {
      await cluster.script('start');
      await cluster.ctl('add_vhost', cluster.vhost);
      await cluster.ctl('set_permissions', '-p', cluster.vhost, 'guest', '.*', '.*', '.*');
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** AMQP_URL in its cluster form: every node, in order. */
  get url(): string {
    return CLUSTER_NODES.map((n) => this.nodeUrl(n)).join(',');
  }

  nodeUrl(node: ClusterNode): string {
    return `amqp://guest:guest@127.0.0.1:${PORTS[node]}/${encodeURIComponent(this.vhost)}`;
  }

  /** The node serving the client connection named `name` (its connection_name), if any. */
  async nodeOfConnection(name: string): Promise<ClusterNode | undefined> {
    const rows = JSON.parse(
      await this.ctl('list_connections', 'port', 'vhost', 'client_properties', '--formatter', 'json'),
    ) as {
      port: number;
      vhost: string;
      client_properties: unknown;
    }[];
    const row = rows.find(
      (r) => r.vhost === this.vhost && JSON.stringify(r.client_properties).includes(`"${name}"`),
    );
    return row && CLUSTER_NODES.find((n) => PORTS[n] === row.port);
  }

  /** The node leading quorum queue `queue`. */
  async leaderOf(queue: string): Promise<ClusterNode | undefined> {
    const rows = JSON.parse(
      await this.ctl('list_queues', '-p', this.vhost, 'name', 'leader', '--formatter', 'json'),
    ) as {
      name: string;
      leader: string;
    }[];
    const leader = rows.find((r) => r.name === queue)?.leader ?? '';
    return CLUSTER_NODES.find((n) => leader.startsWith(`${n}@`));
  }

  /** Leaders per node over the vhost's queues. */
  async leaderCounts(): Promise<Record<string, number>> {
    const rows = JSON.parse(
      await this.ctl('list_queues', '-p', this.vhost, 'name', 'leader', '--formatter', 'json'),
    ) as {
      leader: string;
    }[];
    const counts: Record<string, number> = {};
    for (const r of rows) counts[r.leader.split('@')[0]!] = (counts[r.leader.split('@')[0]!] ?? 0) + 1;
    return counts;
  }

  /** SIGKILL of the node's Erlang VM: no goodbye to its clients or peers. */
  async kill(node: ClusterNode): Promise<void> {
    this.down.add(node);
    await this.script('kill', node);
  }

  /** Starts a killed node again; resolves once it is back in the cluster. */
  async revive(node: ClusterNode): Promise<void> {
    await this.script('revive', node);
    this.down.delete(node);
  }

  async stop(): Promise<void> {
    await this.script('stop').catch(() => undefined);
    RabbitCluster.running.delete(this);
  }

  /** rabbitmqctl against a node that is up. */
  private async ctl(...args: string[]): Promise<string> {
    const node = CLUSTER_NODES.find((n) => !this.down.has(n))!;
    const { stdout } = await run('rabbitmqctl', ['-q', '-n', `${node}@localhost`, ...args], {
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  }

  private async script(...args: string[]): Promise<void> {
    await run('bash', [SCRIPT, ...args], {
      env: { ...process.env, RMQ_CLUSTER_DIR: this.dir },
      timeout: 240_000,
    });
  }
}
