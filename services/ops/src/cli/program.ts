import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { migrate, redactUrl } from '@identity-relay/db';
import { BadRequestError } from '../errors.js';
import { FILTER_KEYS } from '../store/filter.js';
import { auditCommand } from './audit-command.js';
import type { CliContext } from './context.js';
import { eraseCommand, identityCommand } from './identity-command.js';
import { notificationCommand, optOutCommands, suppressionCommand } from './recipients-command.js';
import * as fmt from './format.js';
import { printableJson } from './printable.js';
import { reconcileCommand } from './reconcile-command.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** Set by commands that finished but must report failure (some ids failed, topology differs). */
export class ExitCode {
  value = 0;
}

interface OutputOpts {
  json?: boolean;
}

function print<T>(io: CliIo, opts: OutputOpts, value: T, human: (v: T) => string): void {
  io.out(opts.json ? printableJson(value) : human(value));
}

async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new BadRequestError(`--body-file: cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new BadRequestError(`--body-file: ${path} is not JSON: ${(err as Error).message}`);
  }
}

/** `--filter key=value`, repeatable, into the same filter object the API takes. */
function collectFilter(pair: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = pair.indexOf('=');
  const key = i > 0 ? pair.slice(0, i) : '';
  if (!(FILTER_KEYS as readonly string[]).includes(key)) {
    throw new InvalidArgumentError(`expected key=value with key one of ${FILTER_KEYS.join(', ')}`);
  }
  return { ...previous, [key]: pair.slice(i + 1) };
}

function filterOptions(cmd: Command): Command {
  return cmd
    .option('--queue <queue>', 'work queue (identity-sync, subscribers, notifier)')
    .option('--type <type>', 'message type')
    .option('--fingerprint <fingerprint>', 'failure group')
    .addOption(new Option('--status <status>', 'status').choices(['open', 'replayed', 'discarded']))
    .option('--since <date-time>', 'dead-lettered at or after (ISO 8601)')
    .option('--until <date-time>', 'dead-lettered before (ISO 8601)')
    .option('--message-id <id>', 'message id')
    .option('--identity-id <id>', 'mentions this identity (its id, external id or email)')
    .option('--external-id <id>', 'mentions this external (IdP) id')
    .option('--email <address>', 'mentions this email address');
}

function pickFilter(opts: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(FILTER_KEYS.filter((k) => opts[k] !== undefined).map((k) => [k, opts[k]]));
}

function actionCommand(
  ctx: () => CliContext,
  io: CliIo,
  exit: ExitCode,
  action: 'replay' | 'discard',
): Command {
  const cmd = new Command(action)
    .description(`${action} dead letters by id, or every one matching --filter (try --dry-run first)`)
    .argument('[ids...]', 'dead-letter ids')
    .option(
      '--filter <key=value>',
      `bulk by filter, repeatable; keys: ${FILTER_KEYS.join(', ')}`,
      collectFilter,
    )
    .option('--dry-run', 'with --filter: only count and show a sample')
    .option('--json', 'print JSON (the API objects)');
  if (action === 'replay') {
    cmd.option('--force', 'replay entries already replayed too');
    cmd.option(
      '--body-file <path>',
      'edit & retry: replay this corrected message (JSON) instead of the stored one',
    );
  }
  return cmd.action(
    async (
      ids: string[],
      opts: {
        filter?: Record<string, string>;
        dryRun?: boolean;
        force?: boolean;
        json?: boolean;
        bodyFile?: string;
      },
    ) => {
      if (opts.bodyFile && ids.length !== 1)
        throw new BadRequestError('--body-file goes with exactly one id');
      const body = opts.bodyFile ? await readJsonFile(opts.bodyFile) : undefined;
      if (ids.length > 0 && opts.filter) throw new BadRequestError('give ids or --filter, not both');
      if (ids.length === 0 && !opts.filter)
        throw new BadRequestError(
          'give dead-letter ids, or --filter key=value (e.g. --filter status=open for every open one)',
        );
      if (opts.dryRun && !opts.filter) throw new BadRequestError('--dry-run goes with --filter');
      const ops = await ctx().ops();
      const actor = ctx().actor;
      if (opts.filter) {
        const result = await ops.bulk(
          action,
          { filter: opts.filter, dryRun: opts.dryRun === true, force: opts.force === true },
          actor,
        );
        if (result.failed && result.failed.length > 0) exit.value = 1;
        return print(io, opts, result, fmt.formatBulk);
      }
      const done = [];
      for (const id of ids) {
        try {
          done.push(
            action === 'replay'
              ? await ops.replay(id, actor, { force: opts.force === true, body })
              : await ops.discard(id, actor),
          );
        } catch (err) {
          if (ids.length === 1) throw err;
          exit.value = 1;
          io.err(`${id}: ${(err as Error).message}`);
        }
      }
      print(
        io,
        opts,
        done,
        (items) =>
          `${action === 'replay' ? 'replayed' : 'discarded'} ${items.length}\n${fmt.formatItems(items)}`,
      );
    },
  );
}

function dlqCommand(ctx: () => CliContext, io: CliIo, exit: ExitCode): Command {
  const dlq = new Command('dlq').description('inspect, group, replay and discard dead letters');
  filterOptions(dlq.command('list').description('dead letters, newest first'))
    .option('--limit <n>', 'page size (1..500)', '50')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .option('--json', 'print JSON (the API objects)')
    .action(async (opts: Record<string, unknown> & OutputOpts) => {
      const page = await (
        await ctx().ops()
      ).list({ ...pickFilter(opts), limit: opts.limit, cursor: opts.cursor });
      print(io, opts, page, fmt.formatPage);
    });
  dlq
    .command('show')
    .description('one dead letter with headers and body')
    .argument('<id>', 'dead-letter id')
    .option('--json', 'print JSON (the API object)')
    .action(async (id: string, opts: OutputOpts) =>
      print(io, opts, await (await ctx().ops()).get(id), fmt.formatDetail),
    );
  filterOptions(dlq.command('groups').description('dead letters grouped by cause (status defaults to open)'))
    .option('--json', 'print JSON (the API objects)')
    .action(async (opts: Record<string, unknown> & OutputOpts) => {
      print(io, opts, await (await ctx().ops()).groups(pickFilter(opts)), (g) => fmt.formatGroups(g.items));
    });
  dlq.addCommand(actionCommand(ctx, io, exit, 'replay'));
  dlq.addCommand(actionCommand(ctx, io, exit, 'discard'));
  dlq
    .command('stats')
    .description('dead-letter counts and queue depths')
    .option('--json', 'print JSON (the API object)')
    .action(async (opts: OutputOpts) => print(io, opts, await (await ctx().ops()).stats(), fmt.formatStats));
  return dlq;
}

function topologyCommand(ctx: () => CliContext, io: CliIo, exit: ExitCode): Command {
  const topology = new Command('topology').description(
    'the RabbitMQ exchanges and queues identity-relay uses',
  );
  topology
    .command('declare')
    .description('declare every exchange, queue and binding (idempotent)')
    .action(async () => {
      await (await ctx().brokerAdmin()).declare(ctx().topology);
      io.out(
        `declared ${ctx().topology.exchanges.length} exchanges, ${ctx().topology.queues.length} queues, ${ctx().topology.bindings.length} bindings`,
      );
    });
  topology
    .command('verify')
    .description('check every exchange and queue exists with the declared arguments; creates nothing')
    .option('--json', 'print JSON')
    .action(async (opts: OutputOpts) => {
      const problems = await (await ctx().brokerAdmin()).verify(ctx().topology);
      if (problems.length > 0) exit.value = 1;
      print(io, opts, { ok: problems.length === 0, problems }, (r) => fmt.formatProblems(r.problems));
    });
  return topology;
}

/** The `identity-relay` command line. `ctx` is created on first use, so `--help` needs no configuration. */
export function createProgram(ctx: () => CliContext, io: CliIo, exit: ExitCode): Command {
  const program = new Command('identity-relay')
    .description(
      'identity-relay operations: dead letters, identities, audit, notifications, suppressions, opt-outs, migrations, broker topology, reconciliation',
    )
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
    })
    .exitOverride();
  program.addCommand(dlqCommand(ctx, io, exit));
  program
    .command('migrate')
    .description('create the database if missing and apply pending migrations')
    .action(async () => {
      const url = ctx().config.databaseDirectUrl ?? ctx().config.databaseUrl;
      io.out(`migrating ${redactUrl(url)}`);
      const { applied } = await migrate({ databaseUrl: url, log: (m) => io.out(m) });
      io.out(applied.length === 0 ? 'database is up to date' : `applied ${applied.length} migration(s)`);
    });
  program.addCommand(topologyCommand(ctx, io, exit));
  program.addCommand(identityCommand(ctx, io));
  program.addCommand(eraseCommand(ctx, io));
  program.addCommand(auditCommand(ctx, io));
  program.addCommand(notificationCommand(ctx, io));
  program.addCommand(suppressionCommand(ctx, io));
  for (const cmd of optOutCommands(ctx, io)) program.addCommand(cmd);
  program.addCommand(reconcileCommand(ctx, io, exit));
  // Subcommands inherit the error handling and output of the root.
  for (const cmd of program.commands)
    cmd.exitOverride().configureOutput(program.configureOutput()).showHelpAfterError();
  for (const cmd of program.commands.flatMap((c) => c.commands))
    cmd.exitOverride().configureOutput(program.configureOutput());
  return program;
}
