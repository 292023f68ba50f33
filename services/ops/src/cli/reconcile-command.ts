import { Argument, Command } from 'commander';
import {
  PROVIDERS,
  ProviderNotConfiguredError,
  summaryJson,
  type Provider,
  type ReconcileProgress,
  type ReconcileSummary,
} from '@identity-relay/reconcile';
import { BadRequestError } from '../errors.js';
import type { CliContext } from './context.js';
import type { CliIo, ExitCode } from './program.js';

/** (milliseconds) Least time between two progress lines on stderr. */
const PROGRESS_EVERY_MS = 2000;

export function formatSummary(s: ReconcileSummary): string {
  const rows: Array<[string, string | number]> = [
    ['provider', `${s.provider}${s.dryRun ? ' (dry run: nothing published)' : ''}`],
    ['listed', s.listed],
    ['created', s.created],
    ['updated', s.updated],
    ['deleted', s.deleted],
    ['unchanged', s.unchanged],
    ['run', s.runId],
  ];
  if (s.refused) rows.push(['refused', s.refused]);
  return rows.map(([k, v]) => `${k.padEnd(10)} ${v}`).join('\n');
}

/**
 * `identity-relay reconcile kratos|authentik [--dry-run] [--force] [--json]`: one run in this process with the
 * same engine, lease and runs table as the reconciler service and the ops API. Exit 0 done, 1 refused (the
 * mass-delete guard), busy or failed, 2 bad arguments or a provider that is not configured.
 */
export function reconcileCommand(ctx: () => CliContext, io: CliIo, exit: ExitCode): Command {
  return new Command('reconcile')
    .description('compare an IdP admin API with the identities table and publish the corrections')
    .addArgument(new Argument('<provider>', 'the IdP').choices(PROVIDERS))
    .option('--dry-run', 'find and count the drift, publish nothing')
    .option('--force', 'delete even more than RECONCILE_MAX_DELETE_RATIO of the identities')
    .option(
      '--json',
      'print {"provider","dryRun","listed","created","updated","deleted","unchanged","refused"?}',
    )
    .action(async (provider: Provider, opts: { dryRun?: boolean; force?: boolean; json?: boolean }) => {
      let last = 0;
      const onProgress = (p: ReconcileProgress) => {
        if (Date.now() - last < PROGRESS_EVERY_MS) return;
        last = Date.now();
        io.err(
          `${provider}: ${p.phase === 'listing' ? 'listing' : 'confirming deletions'}, ${p.listed} listed, ${p.drift} drifted`,
        );
      };
      let summary: ReconcileSummary;
      try {
        summary = await (
          await ctx().reconciler()
        ).run(provider, {
          dryRun: opts.dryRun === true,
          force: opts.force === true,
          trigger: ctx().actor,
          onProgress,
        });
      } catch (err) {
        if (err instanceof ProviderNotConfiguredError)
          throw new BadRequestError(err.message, { code: err.code });
        throw err;
      }
      if (summary.refused) {
        exit.value = 1;
        io.err(`error: ${summary.refused}`);
      }
      io.out(opts.json ? JSON.stringify(summaryJson(summary)) : formatSummary(summary));
    });
}
