import type { Prisma } from '@identity-relay/db';

type Row = Prisma.DeadLetterModel;

/** A dead letter as lists show it (API `items`, CLI `--json`). */
export interface DeadLetterItem {
  id: string;
  queue: string;
  messageId: string | null;
  messageType: string | null;
  exchange: string | null;
  routingKey: string | null;
  error: string | null;
  errorClass: string | null;
  fingerprint: string;
  attempts: number | null;
  status: string;
  replayCount: number;
  deadLetteredAt: string;
  service: string | null;
  host: string | null;
}

export interface DeadLetterBody {
  size: number;
  /** The body parsed, when it is JSON. */
  json?: unknown;
  /** The body as UTF-8 text, when it decodes cleanly. */
  text?: string;
  /** The exact bytes (absent when masked). */
  base64?: string;
  /** Personal data was masked for this caller (read-only without the pii grant); the raw bytes are withheld. */
  masked?: true;
}

/** A corrected body an operator replayed, with its diff from the original (microdiff changes). */
export interface EditView {
  id: string;
  actor: string;
  at: string;
  diff: unknown[];
}

/** Where a dead letter stands among replays. */
export interface Lineage {
  /** The dead letter this one is a failed replay of. */
  replayedFromId: string | null;
  /** This copy's replay number (`x-replay-count`), when it is a replayed copy. */
  attempt: number | null;
  /** Copies of this one that were replayed and failed again. */
  replays: Array<{ id: string; deadLetteredAt: string; status: string }>;
  /** For a replayed entry: failed again, committed by its consumer (processed), or not yet known (pending). */
  outcome: 'failed-again' | 'processed' | 'pending' | null;
}

/** Where a failure group's entries are, all statuses together: a bulk replay's progress. */
export interface GroupProgress {
  total: number;
  open: number;
  replayed: number;
  discarded: number;
  /** Replayed entries whose replay was dead-lettered again. */
  failedAgain: number;
  /** Replayed entries their consumer has committed. */
  processed: number;
}

/** One dead letter with everything known about it (API detail, CLI `show --json`). */
export interface DeadLetterDetail extends DeadLetterItem {
  lineage: Lineage;
  edits: EditView[];
  errorCode: string | null;
  firstFailedAt: string | null;
  archivedAt: string;
  resolvedAt: string | null;
  headers: unknown;
  properties: unknown;
  body: DeadLetterBody;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toItem(r: Omit<Row, 'body' | 'headers' | 'properties'>): DeadLetterItem {
  return {
    id: r.id,
    queue: r.queue,
    messageId: r.messageId,
    messageType: r.messageType,
    exchange: r.exchange,
    routingKey: r.routingKey,
    error: r.error,
    errorClass: r.errorClass,
    fingerprint: r.fingerprint,
    attempts: r.attempts,
    status: r.status,
    replayCount: r.replayCount,
    deadLetteredAt: r.deadLetteredAt.toISOString(),
    service: r.service,
    host: r.host,
  };
}

export function describeBody(bytes: Uint8Array): DeadLetterBody {
  const buffer = Buffer.from(bytes);
  const out: DeadLetterBody = { size: buffer.length, base64: buffer.toString('base64') };
  const text = buffer.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(buffer)) return out;
  out.text = text;
  try {
    out.json = JSON.parse(text);
  } catch {
    /* not JSON: text only */
  }
  return out;
}

export function toDetail(r: Row, extra: { lineage: Lineage; edits: EditView[] }): DeadLetterDetail {
  return {
    ...toItem(r),
    ...extra,
    errorCode: r.errorCode,
    firstFailedAt: iso(r.firstFailedAt),
    archivedAt: r.archivedAt.toISOString(),
    resolvedAt: iso(r.resolvedAt),
    headers: r.headers,
    properties: r.properties,
    body: describeBody(r.body),
  };
}

/** A group of dead letters with the same fingerprint (same cause). */
export interface DeadLetterGroup {
  fingerprint: string;
  queue: string;
  messageType: string | null;
  errorClass: string | null;
  /** The most recent error text of the group. */
  error: string | null;
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** Every entry of the group whatever its status; null when not computed. */
  progress?: GroupProgress | null;
}
