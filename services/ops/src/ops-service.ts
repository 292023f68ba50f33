import { buildTopology, deadQueueName, QUEUES, type BrokerAdmin, type QueueDepth } from '@identity-relay/bus';
import { BadRequestError } from './errors.js';
import type { Action, BulkResult, DeadLetterActions } from './store/actions.js';
import { prepareEdit } from './store/edit.js';
import { checkId, parseFilter, parseLimit } from './store/filter.js';
import type { DeadLetterCounts, DeadLetterRepository, Page } from './store/repository.js';
import { toDetail, type DeadLetterDetail, type DeadLetterGroup, type DeadLetterItem } from './store/views.js';

/** Depths of one work queue's three stages, as the broker reports them (ready messages). */
export interface QueueStats {
  queue: string;
  work: { messages: number; consumers: number } | null;
  /** Sum over its retry queues. */
  retry: { messages: number } | null;
  dead: { messages: number } | null;
}

export interface Stats {
  deadLetters: DeadLetterCounts;
  /** null when the broker could not be asked. */
  queues: QueueStats[] | null;
}

export interface OpsServiceDeps {
  repo: DeadLetterRepository;
  actions: DeadLetterActions;
  admin: BrokerAdmin;
  retryDelaysMs: readonly number[];
}

const LIST_KEYS = ['limit', 'cursor'];

/**
 * Everything an operator can do, with input parsing in one place, so the HTTP API, the console
 * and the CLI accept the same things and answer the same objects.
 */
export class OpsService {
  constructor(private readonly deps: OpsServiceDeps) {}

  list(query: Record<string, unknown>): Promise<Page> {
    const filter = parseFilter(query, { allow: LIST_KEYS });
    const cursor = typeof query.cursor === 'string' && query.cursor !== '' ? query.cursor : undefined;
    return this.deps.repo.list(filter, { limit: parseLimit(query.limit), cursor });
  }

  async get(id: string): Promise<DeadLetterDetail> {
    const row = await this.deps.repo.get(checkId(id));
    const [lineage, edits] = await Promise.all([this.deps.repo.lineage(row), this.deps.repo.edits(row.id)]);
    return toDetail(row, { lineage, edits });
  }

  async groups(query: Record<string, unknown>): Promise<{ items: DeadLetterGroup[] }> {
    return { items: await this.deps.repo.groups(parseFilter(query)) };
  }

  /** With `body`: edit & retry, the corrected message replayed instead of the stored one. */
  async replay(
    id: string,
    actor: string,
    opts: { force?: boolean; body?: unknown } = {},
  ): Promise<DeadLetterItem> {
    const key = checkId(id);
    const edit = opts.body === undefined ? undefined : prepareEdit(await this.deps.repo.get(key), opts.body);
    return this.deps.actions.replay(key, { actor, force: opts.force === true, edit });
  }

  discard(id: string, actor: string): Promise<DeadLetterItem> {
    return this.deps.actions.discard(checkId(id), { actor });
  }

  /** Body: `{ filter: {...}, dryRun: boolean, force?: boolean }`. */
  bulk(action: Action, body: unknown, actor: string): Promise<BulkResult> {
    const input = (body ?? {}) as { filter?: unknown; dryRun?: unknown; force?: unknown };
    if (typeof input !== 'object' || Array.isArray(input))
      throw new BadRequestError('body: must be a JSON object');
    if (
      input.filter !== undefined &&
      (typeof input.filter !== 'object' || input.filter === null || Array.isArray(input.filter))
    ) {
      throw new BadRequestError('filter: must be an object');
    }
    if (typeof input.dryRun !== 'boolean')
      throw new BadRequestError('dryRun: must be true or false (say which, a bulk action is not undone)');
    if (input.force !== undefined && typeof input.force !== 'boolean')
      throw new BadRequestError('force: must be true or false');
    const filter = parseFilter((input.filter ?? {}) as Record<string, unknown>);
    return this.deps.actions.bulk({
      action,
      filter,
      dryRun: input.dryRun,
      force: input.force === true,
      actor,
    });
  }

  async stats(): Promise<Stats> {
    const deadLetters = await this.deps.repo.counts();
    return { deadLetters, queues: await this.queueStats().catch(() => null) };
  }

  private async queueStats(): Promise<QueueStats[]> {
    const topology = buildTopology({ retryDelaysMs: this.deps.retryDelaysMs });
    const names = topology.queues.map((q) => q.name);
    const depths = new Map((await this.deps.admin.queueDepths(names)).map((d) => [d.queue, d]));
    const present = (d: QueueDepth | undefined): d is QueueDepth => d !== undefined && !d.missing;
    return Object.values(QUEUES).map((queue) => {
      const work = depths.get(queue);
      const dead = depths.get(deadQueueName(queue));
      const retries = names
        .filter((n) => n.startsWith(`${queue}.retry.`))
        .map((n) => depths.get(n))
        .filter(present);
      return {
        queue,
        work: present(work) ? { messages: work.messages, consumers: work.consumers } : null,
        retry: retries.length > 0 ? { messages: retries.reduce((sum, d) => sum + d.messages, 0) } : null,
        dead: present(dead) ? { messages: dead.messages } : null,
      };
    });
  }
}
