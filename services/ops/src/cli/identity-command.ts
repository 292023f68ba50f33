import { Command } from 'commander';
import type { ErasureResult } from '../erasure/erasure.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import type { IdentityItem, Timeline } from '../identities/repository.js';
import type { TimelineEntry } from '../identities/timeline.js';
import type { CliContext } from './context.js';
import { table } from './format.js';
import type { CliIo } from './program.js';

const short = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** One line of what an entry says, for the terminal. */
export function describeEntry(e: TimelineEntry): string {
  switch (e.kind) {
    case 'message':
      return `${e.type} ${e.messageId} ${e.outcome}${e.version ? ` → v${e.version}` : ''}${e.traceId ? ` trace ${e.traceId}` : ''}`;
    case 'version':
      return `v${e.version} ${e.change}: ${e.changes.map((c) => `${c.field} ${short(c.before)} → ${short(c.after)}`).join(', ') || '(no field changed)'}`;
    case 'membership':
      return `${e.event} ${e.list} (${e.email})`;
    case 'email':
      return `email "${e.subject ?? e.notificationId}" to ${e.email}: ${e.status}${e.smtpResponse ? ` (${e.smtpResponse})` : ''}${e.error ? ` error: ${e.error}` : ''}`;
    case 'dead-letter':
      return `dead letter ${e.id} in ${e.queue} (${e.status}): ${e.errorClass ?? ''} ${e.error ?? ''}`;
  }
}

export function formatTimeline(t: Timeline): string {
  const i = t.identity;
  const head = [
    `identity      ${i.id}`,
    `provider      ${i.provider} ${i.externalId}`,
    `email         ${i.email ?? '-'}`,
    `state         ${i.state}, version ${i.version}${i.deletedAt ? `, deleted ${i.deletedAt}` : ''}${i.erasedAt ? `, erased ${i.erasedAt}` : ''}`,
  ].join('\n');
  if (t.entries.length === 0) return `${head}\n\nno history`;
  return `${head}\n\n${table(
    ['AT', 'KIND', 'WHAT'],
    t.entries.map((e) => [e.at, e.kind, describeEntry(e)]),
    120,
  )}`;
}

export function formatIdentities(items: IdentityItem[]): string {
  return table(
    ['ID', 'PROVIDER', 'EXTERNAL ID', 'EMAIL', 'STATE', 'UPDATED'],
    items.map((i) => [i.id, i.provider, i.externalId, i.email, i.erasedAt ? 'erased' : i.state, i.updatedAt]),
  );
}

/** `identity show <email|id>`: the timeline of the one identity found, or the candidates when several match. */
export function identityCommand(ctx: () => CliContext, io: CliIo): Command {
  const identity = new Command('identity').description('find people and what happened to them');
  identity
    .command('show')
    .description('the timeline of an identity: messages, versions, memberships, emails, dead letters')
    .argument('<ref>', 'email address, identity id or external id')
    .option('--json', 'print JSON (the API objects)')
    .action(async (ref: string, opts: { json?: boolean }) => {
      const { identities } = await ctx().services();
      const found = await identities.find(ref);
      if (found.length === 0) throw new NotFoundError(`no identity matches ${JSON.stringify(ref)}`);
      if (found.length > 1) {
        io.out(
          opts.json
            ? JSON.stringify({ items: found }, null, 2)
            : `${found.length} identities match; show one by id:\n${formatIdentities(found)}`,
        );
        return;
      }
      const timeline = await identities.timeline(found[0]!.id);
      io.out(opts.json ? JSON.stringify(timeline, null, 2) : formatTimeline(timeline));
    });
  return identity;
}

export function formatErasure(r: ErasureResult): string {
  const head = r.dryRun
    ? `dry run: erasing identity ${r.identityId} would touch`
    : `erased identity ${r.identityId}${r.published ? ' (IdentityErased published)' : ''}:`;
  const rows = Object.entries(r.counts).map(([k, v]) => `  ${k.padEnd(16)}${v}`);
  return [head, ...rows, ...(r.alreadyErased ? ['(it had been erased before)'] : [])].join('\n');
}

/** `erase <email|id> [--dry-run]`: the right to be forgotten, for one identity. */
export function eraseCommand(ctx: () => CliContext, io: CliIo): Command {
  return new Command('erase')
    .description(
      'erase everything held about one person (identity row kept as a redacted tombstone); try --dry-run first',
    )
    .argument('<ref>', 'email address, identity id or external id')
    .option('--dry-run', 'only count what would be erased')
    .option('--json', 'print JSON (the API object)')
    .action(async (ref: string, opts: { dryRun?: boolean; json?: boolean }) => {
      const { identities, erasure } = await ctx().services();
      const found = await identities.find(ref);
      if (found.length === 0) throw new NotFoundError(`no identity matches ${JSON.stringify(ref)}`);
      if (found.length > 1)
        throw new BadRequestError(
          `${found.length} identities match ${JSON.stringify(ref)}; erase one by its id:\n${formatIdentities(found)}`,
        );
      const result = await erasure.erase(found[0]!.id, { actor: ctx().actor, dryRun: opts.dryRun === true });
      io.out(opts.json ? JSON.stringify(result, null, 2) : formatErasure(result));
    });
}
