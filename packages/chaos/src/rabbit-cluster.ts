import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '@identity-relay/test-support';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../../scripts/infra/rabbitmq-cluster.sh', import.meta.url));

/** A node's short name, e.g. `ir3f9a01c2` + `2`. */
export type ClusterNode = string;

/** `count` distinct ports nothing listens on right now. */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/**
 * A throw-away 3-node RabbitMQ cluster on this machine (`scripts/infra/rabbitmq-cluster.sh`, beside the
 * shared broker, which it never touches), with a vhost of its own. Node names, AMQP and Erlang distribution
 * ports and the data folder are this cluster's own (a random name prefix, ports free at start), so several runs
 * may share a machine. Needs root (rabbitmqctl runs as the rabbitmq user). `stop()` removes everything — the
 * nodes by their pids, their files — whatever state it is in.
 */
export class RabbitCluster {
  readonly vhost = `ir-cluster-${randomBytes(4).toString('hex')}`;
  readonly nodes: readonly ClusterNode[];
  private readonly down = new Set<ClusterNode>();
  private static readonly running = new Set<RabbitCluster>();

  /** Stops every cluster this process started and has not stopped: for a test's afterAll, whatever happened. */
  static async stopAll(): Promise<void> {
    await Promise.all([...RabbitCluster.running].map((c) => c.stop()));
  }

  private constructor(
    private readonly dir: string,
    private readonly name: string,
    private readonly amqpPorts: readonly number[],
    private readonly distPorts: readonly number[],
  ) {
    this.nodes = [1, 2, 3].map((i) => `${name}${i}`);
  }

  static async start(): Promise<RabbitCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'ir-rmq-cluster-'));
    await chmod(dir, 0o755); // rabbitmqctl (as user rabbitmq) reads the pid files
    const ports = await freePorts(6);
    const cluster = new RabbitCluster(
      dir,
      `ir${randomBytes(4).toString('hex')}n`,
      ports.slice(0, 3),
      ports.slice(3),
    );
    RabbitCluster.running.add(cluster);
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
    return this.nodes.map((n) => this.nodeUrl(n)).join(',');
  }

  nodeUrl(node: ClusterNode): string {
    const port = this.amqpPorts[this.nodes.indexOf(node)];
    return `amqp://guest:guest@127.0.0.1:${port}/${encodeURIComponent(this.vhost)}`;
  }

  /** This vhost's client connections: each one's connection_name and the node serving it. */
  async connections(): Promise<{ name: string; node: ClusterNode }[]> {
    const rows = JSON.parse(
      await this.ctl('list_connections', 'port', 'vhost', 'client_properties', '--formatter', 'json'),
    ) as { port: number; vhost: string; client_properties: [string, string, unknown][] }[];
    return rows
      .filter((r) => r.vhost === this.vhost)
      .map((r) => ({
        name: String(r.client_properties.find(([key]) => key === 'connection_name')?.[2] ?? ''),
        node: this.nodes[this.amqpPorts.indexOf(r.port)] ?? `port ${r.port}`,
      }));
  }

  /** The node serving the client connection named `name`, if any. */
  async nodeOfConnection(name: string): Promise<ClusterNode | undefined> {
    return (await this.connections()).find((c) => c.name === name)?.node;
  }

  /** The node leading quorum queue `queue`. */
  async leaderOf(queue: string): Promise<ClusterNode | undefined> {
    const leader = (await this.leaders()).find((r) => r.name === queue)?.leader ?? '';
    return this.nodes.find((n) => leader === `${n}@localhost`);
  }

  /** Leaders per node over the vhost's queues. */
  async leaderCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const { leader } of await this.leaders()) {
      const node = leader.split('@')[0]!;
      counts[node] = (counts[node] ?? 0) + 1;
    }
    return counts;
  }

  private async leaders(): Promise<{ name: string; leader: string }[]> {
    return JSON.parse(
      await this.ctl('list_queues', '-p', this.vhost, 'name', 'leader', '--formatter', 'json'),
    ) as { name: string; leader: string }[];
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

  /** Stops the nodes (by pid) and removes their folder. Idempotent. */
  async stop(): Promise<void> {
    if (!RabbitCluster.running.delete(this)) return;
    await this.script('stop').catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  /** rabbitmqctl against a node that is up. */
  private async ctl(...args: string[]): Promise<string> {
    const node = this.nodes.find((n) => !this.down.has(n))!;
    const { stdout } = await run('rabbitmqctl', ['-q', '-n', `${node}@localhost`, ...args], {
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  }

  private async script(...args: string[]): Promise<void> {
    const env = {
      ...process.env,
      RMQ_CLUSTER_DIR: this.dir,
      RMQ_CLUSTER_NAME: this.name,
      RMQ_AMQP_PORTS: this.amqpPorts.join(','),
      RMQ_DIST_PORTS: this.distPorts.join(','),
      // Should this process die before stop(), the script's watcher stops the nodes.
      RMQ_CLUSTER_OWNER_PID: String(process.pid),
    };
    await run('bash', [SCRIPT, ...args], { env, timeout: 240_000 });
  }
}
