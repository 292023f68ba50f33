import type { BulkResult } from '../store/actions.js';
import type { Page } from '../store/repository.js';
import type { DeadLetterDetail, DeadLetterGroup, DeadLetterItem } from '../store/views.js';
import type { Stats } from '../ops-service.js';
import { diffLines, originText, outcomeText, progressText } from '../store/describe.js';
import type { TopologyProblem } from '@identity-relay/bus';
import { printable, printableJson } from './printable.js';

/**
 * Plain-text table: columns padded to their widest cell, long cells cut with an ellipsis. Cells
 * come from dead letters, so control characters are shown escaped, never sent to the terminal.
 */
export function table(
  headers: string[],
  rows: Array<Array<string | number | null | undefined>>,
  maxWidth = 60,
): string {
  const cells = rows.map((r) => r.map((c) => cut(c === null || c === undefined ? '-' : String(c), maxWidth)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(headers), ...cells.map(line)].join('\n');
}

function cut(text: string, max: number): string {
  const flat = printable(text.replace(/[ \t\n\r]+/g, ' '));
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function formatItems(items: DeadLetterItem[]): string {
  if (items.length === 0) return 'no dead letters match';
  return table(
    ['ID', 'DEAD-LETTERED', 'QUEUE', 'TYPE', 'STATUS', 'ATTEMPTS', 'ERROR'],
    items.map((i) => [
      i.id,
      i.deadLetteredAt,
      i.queue,
      i.messageType,
      i.replayCount > 0 ? `${i.status}×${i.replayCount}` : i.status,
      i.attempts,
      `${i.errorClass ?? ''}: ${i.error ?? ''}`,
    ]),
  );
}

export function formatPage(page: Page): string {
  return formatItems(page.items) + (page.nextCursor ? `\nmore: --cursor ${page.nextCursor}` : '');
}

export function formatDetail(d: DeadLetterDetail): string {
  const facts: Array<[string, unknown]> = [
    ['id', d.id],
    ['status', `${d.status} (replayed ${d.replayCount} time(s))`],
    ['queue', d.queue],
    ['message id', d.messageId],
    ['type', d.messageType],
    ['route', `${d.exchange ?? '?'} / ${d.routingKey ?? '?'}`],
    ['error', `${d.errorClass ?? 'Unknown'}${d.errorCode ? ` (${d.errorCode})` : ''}: ${d.error ?? ''}`],
    ['attempts', d.attempts],
    ['first failed', d.firstFailedAt],
    ['dead-lettered', d.deadLetteredAt],
    ['gave up', `${d.service ?? '?'} on ${d.host ?? '?'}`],
    ['fingerprint', d.fingerprint],
    ['lineage', [originText(d), outcomeText(d)].filter(Boolean).join('; ') || null],
  ];
  const edits = d.edits.flatMap((e) => [
    `edited by ${e.actor} at ${e.at}:`,
    ...diffLines(e.diff).map((l) => `  ${l}`),
  ]);
  const body =
    d.body.json !== undefined
      ? JSON.stringify(d.body.json, null, 2)
      : (d.body.text ?? `(binary, base64) ${d.body.base64 ?? '(withheld)'}`);
  return [
    ...facts.map(([k, v]) => `${k.padEnd(14)}${printable(String(v ?? '-'))}`),
    '',
    'headers:',
    printableJson(d.headers),
    '',
    `body (${d.body.size} bytes, as first received):`,
    printable(body, { multiline: true }),
    ...(edits.length > 0 ? ['', ...edits] : []),
  ].join('\n');
}

export function formatGroups(groups: DeadLetterGroup[]): string {
  if (groups.length === 0) return 'no dead letters match';
  return table(
    ['FINGERPRINT', 'QUEUE', 'TYPE', 'COUNT', 'LAST SEEN', 'REPLAY PROGRESS', 'ERROR'],
    groups.map((g) => [
      g.fingerprint,
      g.queue,
      g.messageType,
      g.count,
      g.lastSeen,
      progressText(g.progress),
      `${g.errorClass ?? ''}: ${g.error ?? ''}`,
    ]),
  );
}

export function formatBulk(r: BulkResult): string {
  const verb = r.action === 'replay' ? 'replayed' : 'discarded';
  if (r.dryRun) {
    const sample =
      r.sample && r.sample.length > 0 ? `\n\nfirst ${r.sample.length}:\n${formatItems(r.sample)}` : '';
    return `dry run: ${r.count} dead letter(s) would be ${verb}${sample}`;
  }
  const failed = (r.failed ?? [])
    .map((f) => `\n  failed ${f.id}: ${printable(`${f.code} ${f.message}`)}`)
    .join('');
  return `${verb} ${r.count} dead letter(s)${failed}`;
}

export function formatStats(s: Stats): string {
  const counts = `dead letters: ${s.deadLetters.byStatus.open ?? 0} open, ${s.deadLetters.byStatus.replayed ?? 0} replayed, ${s.deadLetters.byStatus.discarded ?? 0} discarded`;
  if (!s.queues) return `${counts}\nqueues: broker not reachable`;
  const rows = s.queues.map((q) => [
    q.queue,
    q.work?.messages,
    q.work?.consumers,
    q.retry?.messages,
    q.dead?.messages,
    s.deadLetters.openByQueue[q.queue] ?? 0,
  ]);
  return `${counts}\n\n${table(['QUEUE', 'WORK', 'CONSUMERS', 'RETRY', 'DEAD', 'OPEN'], rows)}`;
}

export function formatProblems(problems: TopologyProblem[]): string {
  if (problems.length === 0)
    return 'topology ok: every exchange and queue exists with the declared arguments';
  return problems
    .map((p) =>
      printable(`${p.problem === 'missing' ? 'missing  ' : 'different'} ${p.kind} ${p.name}: ${p.detail}`),
    )
    .join('\n');
}
