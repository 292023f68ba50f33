import { Command, Option } from 'commander';
import { AUDIT_ACTIONS, type AuditPage } from '../audit/audit-log.js';
import type { CliContext } from './context.js';
import { table } from './format.js';
import type { CliIo } from './program.js';

export function formatAudit(page: AuditPage): string {
  if (page.items.length === 0) return 'no audit entries match';
  const rows = page.items.map((i) => [
    i.at,
    i.actor,
    i.action,
    i.count,
    i.deadLetterIds.length > 0 ? i.deadLetterIds.join(',') : JSON.stringify(i.detail ?? i.filter ?? null),
  ]);
  return (
    table(['AT', 'ACTOR', 'ACTION', 'COUNT', 'WHAT'], rows, 80) +
    (page.nextCursor ? `\nmore: --cursor ${page.nextCursor}` : '')
  );
}

/** `audit`: who replayed, discarded, purged or erased what, newest first. */
export function auditCommand(ctx: () => CliContext, io: CliIo): Command {
  return new Command('audit')
    .description('the audit log: who replayed, discarded, purged or erased what, newest first')
    .option('--actor <actor>', 'e.g. ops-token, oidc:<sub> (<name>), cli:<user>')
    .addOption(new Option('--action <action>', 'action').choices([...AUDIT_ACTIONS]))
    .option('--dead-letter-id <id>', 'entries about this dead letter')
    .option('--identity-id <id>', 'entries about this identity (erasures)')
    .option('--since <date-time>', 'at or after (ISO 8601)')
    .option('--until <date-time>', 'before (ISO 8601)')
    .option('--limit <n>', 'page size (1..500)', '50')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .option('--json', 'print JSON (the API object)')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const { json, ...query } = opts;
      const { audit } = await ctx().services();
      const page = await audit.list(query);
      io.out(json ? JSON.stringify(page, null, 2) : formatAudit(page));
    });
}
