import type { Bus } from '@identity-relay/bus';
import type { PrismaClient } from '@identity-relay/db';
import type { Registry } from 'prom-client';
import { reconcile, type ReconcileOptions } from './engine.js';
import { ProviderNotConfiguredError } from './errors.js';
import { IdentityReader } from './identity-reader.js';
import { createReconcileMetrics } from './metrics.js';
import { RunStore } from './run-store.js';
import { createAuthentikSource } from './sources/authentik.js';
import { createKratosSource } from './sources/kratos.js';
import { PROVIDERS, type IdentitySource, type Provider, type ReconcileSummary } from './types.js';

/** The configuration a reconciliation needs (a subset of packages/runtime's Config). */
export interface ReconcilerConfig {
  kratosAdminUrl?: string;
  kratosAdminToken?: string;
  authentikUrl?: string;
  authentikToken?: string;
  reconcilePageSize: number;
  reconcileMaxDeleteRatio: number;
  publishTimeoutMs: number;
}

/** Providers whose admin API is configured: Kratos with KRATOS_ADMIN_URL, Authentik with AUTHENTIK_URL + TOKEN. */
export function configuredProviders(config: ReconcilerConfig): Provider[] {
  return PROVIDERS.filter((p) =>
    p === 'kratos' ? Boolean(config.kratosAdminUrl) : Boolean(config.authentikUrl && config.authentikToken),
  );
}

/** The admin-API source of one provider; throws ProviderNotConfiguredError when its variables are unset. */
export function sourceFor(provider: Provider, config: ReconcilerConfig): IdentitySource {
  if (provider === 'kratos') {
    if (!config.kratosAdminUrl) {
      throw new ProviderNotConfiguredError('KRATOS_ADMIN_URL is not set: cannot list Kratos identities');
    }
    return createKratosSource({
      adminUrl: config.kratosAdminUrl,
      token: config.kratosAdminToken,
      pageSize: config.reconcilePageSize,
    });
  }
  if (!config.authentikUrl || !config.authentikToken) {
    throw new ProviderNotConfiguredError(
      'AUTHENTIK_URL and AUTHENTIK_TOKEN are not set: cannot list Authentik users',
    );
  }
  return createAuthentikSource({
    baseUrl: config.authentikUrl,
    token: config.authentikToken,
    pageSize: config.reconcilePageSize,
  });
}

export interface ReconcilerDeps {
  prisma: PrismaClient;
  publisher: Pick<Bus, 'publish'>;
  config: ReconcilerConfig;
  /** Registry for the reconciliation metrics; none when absent. */
  registry?: Registry;
  /** (default=built from config) Sources by provider; tests pass stand-in URLs through config instead. */
  sources?: Partial<Record<Provider, IdentitySource>>;
  /** (default=60000) Lease duration of a run, in milliseconds. */
  leaseMs?: number;
}

export type RunOptions = Omit<ReconcileOptions, 'maxDeleteRatio' | 'publishTimeoutMs'>;

/** What the reconciler service, the CLI and the ops API share: start a run, read the runs. */
export interface Reconciler {
  readonly runs: RunStore;
  providers(): Provider[];
  run(provider: Provider, opts?: RunOptions): Promise<ReconcileSummary>;
}

export function createReconciler(deps: ReconcilerDeps): Reconciler {
  const runs = new RunStore(deps.prisma, deps.leaseMs);
  const reader = new IdentityReader(deps.prisma);
  const metrics = deps.registry ? createReconcileMetrics(deps.registry) : undefined;
  return {
    runs,
    providers: () => configuredProviders(deps.config),
    run(provider, opts = {}) {
      const source = deps.sources?.[provider] ?? sourceFor(provider, deps.config);
      return reconcile(
        { source, reader, runs, publisher: deps.publisher, metrics },
        {
          ...opts,
          maxDeleteRatio: deps.config.reconcileMaxDeleteRatio,
          publishTimeoutMs: deps.config.publishTimeoutMs,
        },
      );
    },
  };
}
