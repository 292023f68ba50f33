import { userInfo } from 'node:os';
import {
  buildTopology,
  connectBrokerAdmin,
  connectBus,
  type BrokerAdmin,
  type Bus,
  type Topology,
} from '@identity-relay/bus';
import { createPrismaClient, type PrismaClient } from '@identity-relay/db';
import { createReconciler, type Reconciler } from '@identity-relay/reconcile';
import { createLogger, type CliConfig } from '@identity-relay/runtime';
import type { OpsService } from '../ops-service.js';
import { createOps } from '../wiring.js';

/** What the CLI connects to, opened on first use and closed once at the end. */
export class CliContext {
  private prisma: PrismaClient | undefined;
  private bus: Bus | undefined;
  private admin: BrokerAdmin | undefined;
  private wired: ReturnType<typeof createOps> | undefined;
  private reconcile: Reconciler | undefined;
  private readonly logger = createLogger({ service: 'cli', level: 'silent' });
  readonly actor = `cli:${safeUser()}`;

  constructor(readonly config: CliConfig) {}

  get topology(): Topology {
    return buildTopology({
      retryDelaysMs: this.config.retryDelaysMs,
      quorumReplicas: this.config.quorumQueueReplicas,
    });
  }

  async brokerAdmin(): Promise<BrokerAdmin> {
    this.admin ??= await connectBrokerAdmin({
      url: this.config.amqpUrl,
      name: 'identity-relay-cli',
      logger: this.logger,
      connectTimeoutMs: 5_000,
    });
    return this.admin;
  }

  /** The dead-letter service; the broker connection is opened too, since replays and stats need it. */
  async ops(): Promise<OpsService> {
    return (await this.services()).ops;
  }

  /** Every ops service over one database client, bus and broker admin, opened on first use. */
  async services(): Promise<ReturnType<typeof createOps>> {
    if (!this.wired) {
      this.prisma = createPrismaClient({
        databaseUrl: this.config.databaseUrl,
        poolMax: 2,
        applicationName: 'identity-relay-cli',
      });
      this.bus = await connectBus({
        url: this.config.amqpUrl,
        name: 'identity-relay-cli',
        logger: this.logger,
        publishTimeoutMs: this.config.publishTimeoutMs,
      });
      this.wired = createOps({
        prisma: this.prisma,
        bus: this.bus,
        admin: await this.brokerAdmin(),
        retryDelaysMs: this.config.retryDelaysMs,
        mailDir: this.config.smtpUrl ? undefined : this.config.mailDir,
      });
    }
    return this.wired;
  }

  /** The reconciliation engine over the same database pool and broker connection. */
  async reconciler(): Promise<Reconciler> {
    await this.services();
    this.reconcile ??= createReconciler({ prisma: this.prisma!, publisher: this.bus!, config: this.config });
    return this.reconcile;
  }

  async close(): Promise<void> {
    await this.bus?.close().catch(() => undefined);
    await this.admin?.close().catch(() => undefined);
    await this.prisma?.$disconnect().catch(() => undefined);
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
