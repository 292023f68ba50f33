import { freePort } from '@identity-relay/test-support';
import type { ChaosEnvironment } from './environment.js';
import { ServiceProcess, type ExitRecord } from './service-process.js';

/** Fixed secrets for the run's ingress (NODE_ENV=test would otherwise generate and print them). */
export const API_KEYS = {
  KRATOS_API_KEY: 'chaos-kratos-key',
  NOTIFY_API_KEY: 'chaos-notify-key',
  HOOKS_API_KEY: 'chaos-hooks-key',
  AUTHENTIK_WEBHOOK_TOKEN: 'chaos-authentik-token',
} as const;

export interface ClusterOptions {
  repoRoot: string;
  logDir: string;
  replicas: { identitySync: number; subscribers: number; notifier: number };
  retryDelaysMs: readonly number[];
  shutdownGraceMs: number;
  /** Port of the SMTP sink the notifiers send to. */
  smtpPort: number;
  /** (default=warn) LOG_LEVEL of every service. */
  logLevel?: string;
}

/** The real services of one run: one ingress and N replicas of each worker, each on its own ports. */
export class Cluster {
  readonly exits: ExitRecord[] = [];
  ingress!: ServiceProcess;
  ingressUrl = '';
  readonly identitySync: ServiceProcess[] = [];
  readonly subscribers: ServiceProcess[] = [];
  readonly notifier: ServiceProcess[] = [];

  constructor(
    private readonly env: ChaosEnvironment,
    private readonly opts: ClusterOptions,
  ) {}

  get all(): ServiceProcess[] {
    return [this.ingress, ...this.identitySync, ...this.subscribers, ...this.notifier].filter(Boolean);
  }

  /** Exits nobody asked for: crashes, unhandled rejections, failed starts. */
  get crashes(): ExitRecord[] {
    return this.exits.filter((e) => !e.expected);
  }

  private commonEnv(): Record<string, string> {
    return {
      NODE_ENV: 'test',
      LOG_LEVEL: this.opts.logLevel ?? 'warn',
      HOST: '127.0.0.1',
      AMQP_URL: this.env.vhost.url,
      DATABASE_URL: this.env.databaseUrl,
      RETRY_DELAYS_MS: this.opts.retryDelaysMs.join(','),
      SHUTDOWN_GRACE_MS: String(this.opts.shutdownGraceMs),
      PUBLISH_TIMEOUT_MS: '3000',
      ...this.env.serviceEnv,
    };
  }

  private async process(service: string, name: string, extra: Record<string, string>, readyPort: number) {
    const env = { ...this.commonEnv(), ...extra };
    return new ServiceProcess({ service, name, env, readyPort }, this.opts.repoRoot, this.opts.logDir, (e) =>
      this.exits.push(e),
    );
  }

  private async worker(service: string, index: number, extra: Record<string, string> = {}) {
    const port = await freePort();
    return this.process(service, `${service}-${index}`, { HEALTH_PORT: String(port), ...extra }, port);
  }

  /** Starts everything; workers in parallel, as a deployment would. */
  async start(): Promise<void> {
    const ingressPort = await freePort();
    this.ingress = await this.process(
      'ingress',
      'ingress',
      {
        INGRESS_PORT: String(ingressPort),
        ...API_KEYS,
        // The suite is the only client: keep the per-source limiter out of the way.
        RATE_LIMIT_PER_SECOND: '1000000',
        RATE_LIMIT_BURST: '10000000',
      },
      ingressPort,
    );
    this.ingressUrl = `http://127.0.0.1:${ingressPort}`;
    const { replicas } = this.opts;
    for (let i = 0; i < replicas.identitySync; i++)
      this.identitySync.push(await this.worker('identity-sync', i + 1));
    for (let i = 0; i < replicas.subscribers; i++)
      this.subscribers.push(await this.worker('subscribers', i + 1));
    for (let i = 0; i < replicas.notifier; i++)
      this.notifier.push(
        await this.worker('notifier', i + 1, {
          SMTP_URL: `smtp://127.0.0.1:${this.opts.smtpPort}`,
          SMTP_TIMEOUT_MS: '5000',
          MAIL_RATE_PER_SECOND: '10000',
        }),
      );
    // Start the ingress first: it declares the topology, so the workers never race on it.
    await this.ingress.start();
    await Promise.all(this.all.filter((p) => p !== this.ingress).map((p) => p.start()));
  }

  async dispose(): Promise<void> {
    await Promise.all(this.all.map((p) => p.dispose()));
  }
}
