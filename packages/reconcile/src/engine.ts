import type { Bus } from '@identity-relay/bus';
import { variables } from '@identity-relay/runtime';
import {
  messageRoutes,
  MessageType,
  newCloudEvent,
  type IdentityDeletionObservedData,
} from '@identity-relay/contracts';
import { classify, type StoredState } from './classify.js';
import { LeaseLostError } from './errors.js';
import type { IdentityReader } from './identity-reader.js';
import { repairMessageId } from './message-id.js';
import type { ReconcileMetrics } from './metrics.js';
import type { RunRecord, RunStore } from './run-store.js';
import type {
  DriftItem,
  DriftKind,
  IdentitySource,
  ListedIdentity,
  ReconcileCounts,
  ReconcileSummary,
  RepairEvent,
} from './types.js';

export interface ReconcileDeps {
  source: IdentitySource;
  reader: IdentityReader;
  runs: RunStore;
  /** The confirmed publisher of packages/bus: resolves once the broker confirmed. */
  publisher: Pick<Bus, 'publish'>;
  metrics?: ReconcileMetrics;
}

export interface ReconcileProgress {
  phase: 'listing' | 'deletions';
  listed: number;
  drift: number;
}

export interface ReconcileOptions {
  /** (default=false) Find and count drift, publish nothing. */
  dryRun?: boolean;
  /** (default=false) Delete even beyond `maxDeleteRatio`. */
  force?: boolean;
  /** (default=the variable's, 0.1; 0..1) RECONCILE_MAX_DELETE_RATIO: most deletions, as a share of the provider's live rows. */
  maxDeleteRatio?: number;
  /** (default='manual') Who started the run, recorded with it. */
  trigger?: string;
  /** (default=100) Drifted identities kept in the run's sample. */
  driftSample?: number;
  /** (default=5000, milliseconds) PUBLISH_TIMEOUT_MS for each confirmed publish. */
  publishTimeoutMs?: number;
  /** Aborting stops the run between pages and before each publish (shutdown); it is recorded as failed. */
  signal?: AbortSignal;
  /** Called once the run holds its lease and is recorded (before any IdP call): the ops API answers with it. */
  onStarted?: (run: RunRecord) => void;
  /** Called after each page and each deletion batch (the CLI prints it on stderr). */
  onProgress?: (progress: ReconcileProgress) => void;
}

/**
 * One reconciliation run of one provider. Streams the IdP's pages (a few read ahead); compares each page with
 * its rows (one query per page) and publishes the repairs of the page (creates, updates) as source events with
 * deterministic ids, so identity-sync applies them through its inbox, stale protection, versions and outbox; their
 * confirms are awaited a few pages later (ConfirmWindow), and all of them before the run counts as done. Then walks the live
 * rows that predate the listing once (keyset, 1000 at a time) for those the listing did not contain: if there are
 * more than `maxDeleteRatio` of the live rows it refuses (unless `force`); otherwise the IdP is asked directly
 * which of them it still has (`source.present`, a batch at a time) and only those it does not have publish
 * `IdentityDeletionObserved`. Memory: the pages read ahead, one walk batch, the drift
 * sample, the set of listed external ids and the deletion candidates (about 100 bytes each: ~10 MB per 100,000
 * identities listed or missing).
 */
export async function reconcile(deps: ReconcileDeps, opts: ReconcileOptions = {}): Promise<ReconcileSummary> {
  const { source, reader, runs, metrics } = deps;
  const provider = source.provider;
  const dryRun = opts.dryRun ?? false;
  const maxDeleteRatio = opts.maxDeleteRatio ?? variables.RECONCILE_MAX_DELETE_RATIO.default;
  if (!(maxDeleteRatio >= 0 && maxDeleteRatio <= 1)) {
    throw new RangeError(`maxDeleteRatio must be from 0 to 1, got ${maxDeleteRatio}`);
  }
  const sampleSize = opts.driftSample ?? 100;
  const run = await runs.begin({ provider, dryRun, trigger: opts.trigger ?? 'manual' });
  const counts: ReconcileCounts = { listed: 0, created: 0, updated: 0, deleted: 0, unchanged: 0 };
  const drift: DriftItem[] = [];
  let driftFound = 0;
  let leaseLost = false;
  const heartbeat = setInterval(
    () =>
      void runs.renew(run).then(
        (held) => (leaseLost ||= !held),
        () => undefined,
      ),
    Math.max(1000, Math.floor(runs.leaseMs / 3)),
  );
  heartbeat.unref();
  opts.onStarted?.(run);

  const found = (kind: DriftKind, externalId: string, fields?: string[]) => {
    driftFound++;
    metrics?.drift.inc({ provider, kind });
    if (drift.length < sampleSize) drift.push(fields ? { kind, externalId, fields } : { kind, externalId });
  };
  const publish = async (id: string, time: string, event: RepairEvent) => {
    if (leaseLost) throw new LeaseLostError(provider);
    opts.signal?.throwIfAborted();
    const message = newCloudEvent({
      type: event.type,
      source: 'identity-relay/reconciler',
      id,
      time,
      data: event.data,
    });
    await deps.publisher.publish(
      {
        exchange: messageRoutes[event.type].exchange,
        routingKey: event.routingKey,
        messageId: message.id,
        type: message.type,
        body: message,
        timestamp: new Date(message.time),
      },
      { timeoutMs: opts.publishTimeoutMs },
    );
  };
  const confirms = new ConfirmWindow(CONFIRM_WINDOW_PAGES);
  const progress = (phase: ReconcileProgress['phase']) =>
    opts.onProgress?.({ phase, listed: counts.listed, drift: driftFound });

  try {
    const listingStart = await reader.now();
    const seen = new Set<string>();
    // Each page's rows are read as soon as the page arrives, while the previous page is still being compared.
    const withRows = (page: ListedIdentity[]) =>
      reader
        .storedFor(
          provider,
          page.map((p) => p.externalId),
        )
        .then((stored) => ({ page, stored }));
    for await (const { page, stored } of readAhead(source.pages(), withRows, READ_AHEAD_PAGES)) {
      opts.signal?.throwIfAborted();
      await confirms.add(reconcilePage(page, stored));
      progress('listing');
    }
    await confirms.drain();
    const refused = await reconcileDeletions(listingStart, seen);
    await confirms.drain();
    const status = refused ? 'refused' : 'succeeded';
    await runs.finish(run, { status, counts, drift, error: refused?.message });
    metrics?.runs.inc({ provider, outcome: status });
    if (!refused) metrics?.lastSuccess.set({ provider }, Date.now() / 1000);
    return {
      runId: run.id,
      provider,
      dryRun,
      status,
      ...counts,
      ...(refused ? { refused: refused.message } : {}),
      deleteCandidates: refused?.candidates ?? counts.deleted,
      drift,
    };

    /** Compares one page with its rows and starts publishing its repairs; returns the publishes in flight. */
    function reconcilePage(page: ListedIdentity[], stored: Map<string, StoredState>): Array<Promise<void>> {
      const repairs: Array<Promise<void>> = [];
      for (const item of page) {
        if (seen.has(item.externalId)) continue; // listed twice (the directory moved under the pages)
        seen.add(item.externalId);
        counts.listed++;
        const row = stored.get(item.externalId);
        const verdict = classify(item.canonical, row, source.hasModificationTime);
        if (verdict.kind === 'unchanged') {
          counts.unchanged++;
          continue;
        }
        const kind = verdict.kind;
        found(kind, item.externalId, kind === 'update' ? verdict.fields : undefined);
        if (kind === 'create') counts.created++;
        else counts.updated++;
        if (dryRun) continue;
        const id = repairMessageId(provider, item.externalId, kind, item.stamp, row?.version ?? 0);
        repairs.push(publish(id, item.canonical.sourceUpdatedAt, item.repair(kind === 'create')));
      }
      return repairs;
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await runs
      .finish(run, { status: 'failed', counts, drift, error: message.slice(0, 1000) })
      .catch(() => undefined);
    metrics?.runs.inc({ provider, outcome: 'failed' });
    throw err;
  } finally {
    clearInterval(heartbeat);
  }

  async function reconcileDeletions(
    listingStart: Date,
    seen: Set<string>,
  ): Promise<{ message: string; candidates: number } | null> {
    // One walk gathers the candidates (a few per walk batch when the drift is small); the IdP is asked about them
    // LOOKUP_BATCH at a time, only once the guard below has passed.
    const missing: Array<{ externalId: string; version: number }> = [];
    for await (const batch of reader.walkLive(provider, listingStart)) {
      for (const row of batch) if (!seen.has(row.externalId)) missing.push(row);
    }
    if (missing.length === 0) return null;
    const live = await reader.liveCount(provider);
    if (!opts.force && missing.length > maxDeleteRatio * live) {
      return {
        candidates: missing.length,
        message:
          `refusing to delete ${missing.length} of ${live} ${provider} identities (more than ` +
          `RECONCILE_MAX_DELETE_RATIO=${maxDeleteRatio}); ${counts.listed} were listed. Check the admin URL and ` +
          `token; run again with --force if the IdP really lost them`,
      };
    }
    seen.clear(); // not needed any more: the candidates are known
    for (let i = 0; i < missing.length; i += LOOKUP_BATCH) {
      await confirmDeletions(missing.slice(i, i + LOOKUP_BATCH));
    }
    return null;

    /** Asks the IdP which candidates it still has; each one it lacks publishes its IdentityDeletionObserved. */
    async function confirmDeletions(rows: Array<{ externalId: string; version: number }>): Promise<void> {
      const present = await source.present(rows.map((row) => row.externalId));
      const deletions: Array<Promise<void>> = [];
      const observedAt = new Date().toISOString();
      for (const row of rows) {
        if (present.has(row.externalId)) continue; // listed pages missed it; it is still there
        counts.deleted++;
        found('delete', row.externalId);
        if (dryRun) continue;
        const data: IdentityDeletionObservedData = {
          provider,
          externalId: row.externalId,
          observedAt,
          runId: run.id,
        };
        const id = repairMessageId(provider, row.externalId, 'delete', 'gone', row.version);
        deletions.push(
          publish(id, observedAt, {
            type: MessageType.IdentityDeletionObserved,
            routingKey: messageRoutes.IdentityDeletionObserved.routingKey(data),
            data,
          }),
        );
      }
      await confirms.add(deletions);
      progress('deletions');
    }
  }
}

/** (candidates) Deletion candidates the IdP is asked about at once (`source.present`). */
const LOOKUP_BATCH = 500;

/** (pages) Pages read ahead: fetched one after the other, their rows read while earlier pages are compared. */
const READ_AHEAD_PAGES = 3;

/** (pages) Pages whose repairs may still wait for the broker's confirms while the next pages are compared. */
const CONFIRM_WINDOW_PAGES = 4;

/**
 * Publishes whose confirms are awaited a few pages later rather than before the next page: a page does not wait
 * for the broker's round trip. At most `pages` pages of publishes are pending; the oldest is awaited (and its
 * first failure thrown) when another is added, and `drain` awaits them all.
 */
class ConfirmWindow {
  private readonly pending: Array<Promise<void>> = [];

  constructor(private readonly pages: number) {}

  async add(publishes: Array<Promise<void>>): Promise<void> {
    const page = settleAll(publishes);
    page.catch(() => undefined); // awaited below or in drain; unobserved only when the run already failed
    this.pending.push(page);
    if (this.pending.length > this.pages) await this.pending.shift();
  }

  async drain(): Promise<void> {
    while (this.pending.length > 0) await this.pending.shift();
  }
}

/**
 * The pages `depth` ahead, each with what `prepare` adds to it (its rows): the next pages are already being fetched
 * from the IdP (one after the other, as keyset pagination requires) and their rows read (concurrently) while the
 * caller compares and repairs this one, so a run costs about the listing plus what does not overlap it. Memory:
 * `depth` + 1 pages.
 */
async function* readAhead<T, U>(
  pages: AsyncIterable<T>,
  prepare: (page: T) => Promise<U>,
  depth: number,
): AsyncGenerator<U> {
  const iterator = pages[Symbol.asyncIterator]();
  const queue: Array<Promise<U | null>> = [];
  let ended = false;
  const fill = () => {
    while (!ended && queue.length < depth) {
      const next = iterator.next().then((r) => {
        if (!r.done) return prepare(r.value);
        ended = true;
        return null;
      });
      // Observed in order below, or dropped when the caller stops early (its failure would not matter then).
      next.catch(() => undefined);
      queue.push(next);
    }
  };
  try {
    fill();
    for (;;) {
      const current = await queue.shift()!;
      if (current === null) return;
      fill();
      yield current;
    }
  } finally {
    await iterator.return?.();
  }
}

/** Waits for every promise and throws the first failure (after all settled, so none is left unobserved). */
async function settleAll(promises: Array<Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
