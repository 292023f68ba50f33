import { Command } from 'commander';
import type { NotificationDetail, OptOutItem, SuppressionItem } from '../recipients/service.js';
import type { CliContext } from './context.js';
import { table } from './format.js';
import type { CliIo } from './program.js';

function formatSuppressions(items: readonly SuppressionItem[]): string {
  if (items.length === 0) return 'no suppressed addresses';
  return table(
    ['EMAIL', 'SUPPRESSED AT', 'REASON'],
    items.map((s) => [s.email, s.suppressedAt, s.reason]),
    80,
  );
}

function formatOptOuts(items: readonly OptOutItem[]): string {
  if (items.length === 0) return 'no opt-outs';
  return table(
    ['LIST', 'EMAIL', 'OPTED OUT AT', 'HOW'],
    items.map((o) => [o.list, o.email, o.optedOutAt, o.method]),
    80,
  );
}

export function formatNotification(n: NotificationDetail): string {
  const counts = Object.entries(n.counts)
    .map(([status, count]) => `${status} ${count}`)
    .join(' · ');
  const head = `${n.id}  ${n.list}  "${n.subject}"  requested ${n.requestedAt}\n${counts}\n`;
  if (n.deliveries.length === 0) return `${head}no recipients`;
  return (
    head +
    table(
      ['EMAIL', 'STATUS', 'ATTEMPTS', 'SMTP RESPONSE'],
      n.deliveries.map((d) => [d.email, d.status, d.attempts, d.smtpResponse ?? d.error ?? '']),
      80,
    )
  );
}

/** `suppression list|remove`: addresses no notification mails after a permanent bounce. */
export function suppressionCommand(ctx: () => CliContext, io: CliIo): Command {
  const cmd = new Command('suppression').description(
    'addresses suppressed after a permanent SMTP failure (5xx): list them, lift one (audited)',
  );
  cmd
    .command('list')
    .description('suppressed addresses, newest first')
    .option('--email <address>', 'only this address')
    .option('--limit <n>', 'how many (1..500)', '100')
    .option('--json', 'print JSON (the API object)')
    .action(async (opts: { email?: string; limit: string; json?: boolean }) => {
      const { recipients } = await ctx().services();
      const page = await recipients.suppressions({ email: opts.email, limit: opts.limit });
      io.out(opts.json ? JSON.stringify(page, null, 2) : formatSuppressions(page.items));
    });
  cmd
    .command('remove <email>')
    .description('lift the suppression of an address: later notifications mail it again (audited)')
    .option('--json', 'print JSON')
    .action(async (email: string, opts: { json?: boolean }) => {
      const c = ctx();
      const { recipients } = await c.services();
      const removed = await recipients.removeSuppression(email, c.actor);
      io.out(opts.json ? JSON.stringify(removed, null, 2) : `${removed.email} is no longer suppressed`);
    });
  return cmd;
}

/** `optout list` and `resubscribe <list> <email>`: people's own unsubscribes, lifted only on their request. */
export function optOutCommands(ctx: () => CliContext, io: CliIo): Command[] {
  const list = new Command('optout').description('one-click unsubscribes (opt-outs) in force');
  list
    .command('list')
    .description('opt-outs in force, newest first')
    .option('--list <list>', 'only this list')
    .option('--email <address>', 'only this address')
    .option('--limit <n>', 'how many (1..500)', '100')
    .option('--json', 'print JSON (the API object)')
    .action(async (opts: { list?: string; email?: string; limit: string; json?: boolean }) => {
      const { recipients } = await ctx().services();
      const page = await recipients.optOuts({ list: opts.list, email: opts.email, limit: opts.limit });
      io.out(opts.json ? JSON.stringify(page, null, 2) : formatOptOuts(page.items));
    });
  const resubscribe = new Command('resubscribe')
    .description("lift a person's opt-out of a list, when they asked for it (audited)")
    .argument('<list>', 'the list, e.g. educators')
    .argument('<email>', 'the address')
    .option('--json', 'print JSON')
    .action(async (listName: string, email: string, opts: { json?: boolean }) => {
      const c = ctx();
      const { recipients } = await c.services();
      const done = await recipients.resubscribe(listName, email, c.actor);
      io.out(opts.json ? JSON.stringify(done, null, 2) : `${done.email} gets ${done.list} emails again`);
    });
  return [list, resubscribe];
}

/** `notification list|show`: per-recipient delivery status. */
export function notificationCommand(ctx: () => CliContext, io: CliIo): Command {
  const cmd = new Command('notification').description('notifications and how each recipient fared');
  cmd
    .command('list')
    .description('the latest notifications with counts by status')
    .option('--limit <n>', 'how many (1..500)', '20')
    .option('--json', 'print JSON (the API object)')
    .action(async (opts: { limit: string; json?: boolean }) => {
      const { recipients } = await ctx().services();
      const page = await recipients.notifications({ limit: opts.limit });
      if (opts.json) return io.out(JSON.stringify(page, null, 2));
      io.out(
        page.items.length === 0
          ? 'no notifications'
          : table(
              ['ID', 'LIST', 'REQUESTED', 'SENT', 'PENDING', 'FAILED', 'SUPPRESSED', 'UNSUBSCRIBED'],
              page.items.map((n) => [
                n.id,
                n.list,
                n.requestedAt,
                n.counts.sent,
                n.counts.pending,
                n.counts.failed,
                n.counts.suppressed,
                n.counts.unsubscribed,
              ]),
              60,
            ),
      );
    });
  cmd
    .command('show <id>')
    .description("counts by status and each recipient's status and SMTP response")
    .option('--json', 'print JSON (the API object)')
    .action(async (id: string, opts: { json?: boolean }) => {
      const { recipients } = await ctx().services();
      const n = await recipients.notification(id);
      io.out(opts.json ? JSON.stringify(n, null, 2) : formatNotification(n));
    });
  return cmd;
}
