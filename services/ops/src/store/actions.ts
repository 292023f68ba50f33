import type { OutgoingMessage } from '@identity-relay/bus';
import type { Prisma, PrismaClient } from '@identity-relay/db';
import { ConflictError, NotFoundError } from '../errors.js';
import { filterToJson, type DeadLetterFilter } from './filter.js';
import { replayMessage } from './replay-message.js';
import { checkReplayRoute } from './replay-route.js';
import type { DeadLetterRepository } from './repository.js';
import { toItem, type DeadLetterItem } from './views.js';

export interface Publisher {
  /** Confirmed publish (the bus's `publish`). */
  publish(msg: OutgoingMessage): Promise<void>;
}

export type Action = 'replay' | 'discard';

/** A corrected body to replay instead of the stored one, and how it differs from it. */
export interface DeadLetterEdit {
  body: Buffer;
  diff: unknown[];
}

export interface BulkRequest {
  action: Action;
  filter: DeadLetterFilter;
  dryRun: boolean;
  /** Replay entries already replayed too. */
  force?: boolean;
  actor: string;
}

export interface BulkResult {
  action: Action;
  dryRun: boolean;
  filter: Record<string, string>;
  /** Dry run: how many would be acted on. Real run: how many were. */
  count: number;
  /** Dry run only: the first few that would be acted on. */
  sample?: DeadLetterItem[];
  /** Real run only: entries that failed (e.g. the broker refused the replay). */
  failed?: Array<{ id: string; code: string; message: string }>;
}

/** Dead letters a sample shows in a dry run. */
const SAMPLE_SIZE = 10;
/** A replay holds its row lock while the broker confirms; bounded so a hung broker does not hold it forever. */
const TX_TIMEOUT_MS = 30_000;

/**
 * Replay and discard, one by one or by filter. Each entry is locked (SELECT … FOR UPDATE) while it
 * is republished and marked, so two operators replaying the same entry publish it once.
 */
export class DeadLetterActions {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly repo: DeadLetterRepository,
    private readonly publisher: Publisher,
  ) {}

  /** Which entries an action may touch: replay skips replayed ones unless forced; discard takes open ones. */
  eligible(action: Action, force = false): Prisma.DeadLetterWhereInput {
    if (action === 'discard') return { status: 'open' };
    return force ? {} : { status: { not: 'replayed' } };
  }

  /**
   * Republishes the entry (or, with `edit`, a corrected body, kept with its diff in `dead_letter_edits` in the
   * same transaction), marks it replayed and audits it.
   */
  async replay(
    id: string,
    opts: { actor: string; force?: boolean; audit?: boolean; edit?: DeadLetterEdit },
  ): Promise<DeadLetterItem> {
    return this.prisma.$transaction(
      async (tx) => {
        const row = await this.lock(tx, id);
        if (row.status === 'replayed' && !opts.force) {
          throw new ConflictError(
            `dead letter ${id} was already replayed (${row.replayCount} time(s)); use force to replay it again`,
            {
              code: 'already_replayed',
            },
          );
        }
        const now = new Date();
        const message = replayMessage(row, opts.actor, now, opts.edit?.body);
        checkReplayRoute(row.queue, message);
        await this.publisher.publish(message);
        const editId = opts.edit ? await this.recordEdit(tx, id, opts.actor, opts.edit) : undefined;
        const updated = await tx.deadLetter.update({
          where: { id },
          data: { status: 'replayed', replayCount: { increment: 1 }, resolvedAt: now },
          omit: { body: true, headers: true, properties: true },
        });
        if (opts.audit !== false) {
          await this.repo.audit(
            {
              actor: opts.actor,
              action: 'replay',
              deadLetterIds: [id],
              count: 1,
              detail: { forced: !!opts.force, ...(editId ? { edited: true, editId } : {}) },
            },
            tx,
          );
        }
        return toItem(updated);
      },
      { timeout: TX_TIMEOUT_MS, maxWait: TX_TIMEOUT_MS },
    );
  }

  async discard(id: string, opts: { actor: string; audit?: boolean }): Promise<DeadLetterItem> {
    return this.prisma.$transaction(async (tx) => {
      const row = await this.lock(tx, id);
      if (row.status !== 'open') {
        throw new ConflictError(`dead letter ${id} is ${row.status}; only open entries can be discarded`, {
          code: 'not_open',
        });
      }
      const updated = await tx.deadLetter.update({
        where: { id },
        data: { status: 'discarded', resolvedAt: new Date() },
        omit: { body: true, headers: true, properties: true },
      });
      if (opts.audit !== false)
        await this.repo.audit({ actor: opts.actor, action: 'discard', deadLetterIds: [id], count: 1 }, tx);
      return toItem(updated);
    });
  }

  /** A dry run counts exactly what the real run with the same filter would act on (at that moment). */
  async bulk(req: BulkRequest): Promise<BulkResult> {
    const where: Prisma.DeadLetterWhereInput = {
      AND: [await this.repo.whereOf(req.filter), this.eligible(req.action, req.force)],
    };
    const base = { action: req.action, dryRun: req.dryRun, filter: filterToJson(req.filter) };
    if (req.dryRun) {
      const [count, sample] = await Promise.all([
        this.repo.count(where),
        this.repo.sample(where, SAMPLE_SIZE),
      ]);
      return { ...base, count, sample };
    }
    const done: string[] = [];
    const failed: BulkResult['failed'] = [];
    for (const id of await this.repo.ids(where)) {
      try {
        if (req.action === 'replay')
          await this.replay(id, { actor: req.actor, force: req.force, audit: false });
        else await this.discard(id, { actor: req.actor, audit: false });
        done.push(id);
      } catch (err) {
        const e = err as Error & { code?: unknown };
        failed.push({ id, code: typeof e.code === 'string' ? e.code : e.name, message: e.message });
      }
    }
    await this.repo.audit({
      actor: req.actor,
      action: req.action,
      deadLetterIds: done,
      count: done.length,
      filter: base.filter,
      detail: { forced: !!req.force, failed: failed.length },
    });
    return { ...base, count: done.length, failed };
  }

  /** Deletes replayed and discarded entries resolved before `olderThan`; returns how many. */
  async purge(olderThan: Date): Promise<number> {
    const { count } = await this.prisma.deadLetter.deleteMany({
      where: { status: { in: ['replayed', 'discarded'] }, resolvedAt: { lt: olderThan } },
    });
    if (count > 0) {
      await this.repo.audit({
        actor: 'system',
        action: 'purge',
        deadLetterIds: [],
        count,
        detail: { resolvedBefore: olderThan.toISOString() },
      });
    }
    return count;
  }

  private async recordEdit(
    tx: Prisma.TransactionClient,
    deadLetterId: string,
    actor: string,
    edit: DeadLetterEdit,
  ): Promise<string> {
    const row = await tx.deadLetterEdit.create({
      data: {
        deadLetterId,
        actor,
        body: new Uint8Array(edit.body),
        diff: edit.diff as Prisma.InputJsonArray,
      },
      select: { id: true },
    });
    return row.id;
  }

  private async lock(tx: Prisma.TransactionClient, id: string): Promise<Prisma.DeadLetterModel> {
    const locked = await tx.$queryRaw<
      Array<{ id: string }>
    >`SELECT id FROM dead_letters WHERE id = ${id}::uuid FOR UPDATE`;
    if (locked.length === 0) throw new NotFoundError(`no dead letter ${id}`);
    return tx.deadLetter.findUniqueOrThrow({ where: { id } });
  }
}
