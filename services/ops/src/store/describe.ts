import type { DeadLetterDetail, GroupProgress } from './views.js';

/** What a replayed entry became, in words the console and the CLI both print. */
export function outcomeText(d: Pick<DeadLetterDetail, 'queue' | 'lineage'>): string | null {
  const last = d.lineage.replays.at(-1);
  switch (d.lineage.outcome) {
    case 'failed-again':
      return `replay failed again (dead letter ${last?.id ?? '?'})`;
    case 'processed':
      return `replay processed by ${d.queue}`;
    case 'pending':
      return 'replay published, not yet processed';
    default:
      return null;
  }
}

/** `replayed from <id>, attempt n` for a replayed copy that failed again. */
export function originText(d: Pick<DeadLetterDetail, 'lineage'>): string | null {
  if (!d.lineage.replayedFromId) return null;
  return `replayed from ${d.lineage.replayedFromId}${d.lineage.attempt ? `, attempt ${d.lineage.attempt}` : ''}`;
}

/** A bulk replay's progress over a group: `2 of 4 replayed · 1 failed again · 1 processed`. */
export function progressText(p: GroupProgress | null | undefined): string {
  if (!p) return '—';
  const parts = [`${p.replayed} of ${p.total} replayed`];
  if (p.failedAgain > 0) parts.push(`${p.failedAgain} failed again`);
  if (p.processed > 0) parts.push(`${p.processed} processed`);
  if (p.discarded > 0) parts.push(`${p.discarded} discarded`);
  return parts.join(' · ');
}

/** One edit's diff as lines: `data.subject: "BROKEN" → "Fixed"`. */
export function diffLines(diff: unknown[]): string[] {
  return diff.map((raw) => {
    const c = raw as { type?: string; path?: unknown[]; oldValue?: unknown; value?: unknown };
    const path = (c.path ?? []).join('.') || '(body)';
    if (c.type === 'CREATE') return `${path}: added ${JSON.stringify(c.value)}`;
    if (c.type === 'REMOVE') return `${path}: removed (was ${JSON.stringify(c.oldValue)})`;
    return `${path}: ${JSON.stringify(c.oldValue)} → ${JSON.stringify(c.value)}`;
  });
}
