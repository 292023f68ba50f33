// What happened to one identity, in time order, from the rows that record it. Pure: the repository
// reads the rows, this turns them into entries (unit-tested beside it).

/** One field that a version changed: `traits.school.name`, `email`, `state`, ... */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

interface EntryBase {
  /** ISO time the entry happened at; entries are sorted on it. */
  at: string;
}

/** A source message identity-sync handled for this identity: applied as a new version, or recorded and ignored. */
export interface MessageEntry extends EntryBase {
  kind: 'message';
  messageId: string;
  /** The source message type (KratosIdentityUpdated, AuthentikUserChanged, or the reconciler's). */
  type: string;
  /** When the IdP says it happened (the message's `time`). */
  occurredAt: string;
  /** W3C trace id, when the message carried a traceparent. */
  traceId: string | null;
  outcome: 'applied' | 'stale' | 'tombstoned' | 'unchanged' | 'erased';
  /** The version it produced, when applied. */
  version: number | null;
}

/** One version of the identity in `identity_events`, with what it changed. */
export interface VersionEntry extends EntryBase {
  kind: 'version';
  version: number;
  change: string;
  changes: FieldChange[];
  /** The IdentityChanged left through the outbox (false: still in identity_outbox). */
  published: boolean;
}

export interface MembershipEntry extends EntryBase {
  kind: 'membership';
  /** The list; `*` for a suppression, which stops mail to the address on every list. */
  list: string;
  event: 'subscribed' | 'unsubscribed' | 'opted-out' | 'resubscribed' | 'suppressed';
  email: string;
  /** How: the opt-out method (one-click, page), who resubscribed, or the bounce that suppressed. */
  detail?: string | null;
}

export interface EmailEntry extends EntryBase {
  kind: 'email';
  notificationId: string;
  topic: string | null;
  subject: string | null;
  email: string;
  status: string;
  attempts: number;
  /** What the SMTP server (or the .eml writer) answered. */
  smtpResponse: string | null;
  error: string | null;
}

export interface DeadLetterEntry extends EntryBase {
  kind: 'dead-letter';
  id: string;
  queue: string;
  messageId: string | null;
  messageType: string | null;
  status: string;
  errorClass: string | null;
  error: string | null;
}

export type TimelineEntry = MessageEntry | VersionEntry | MembershipEntry | EmailEntry | DeadLetterEntry;

/** An `identity_events` row as the repository reads it. */
export interface EventRow {
  id: string;
  version: number | null;
  type: string;
  payload: unknown;
  sourceMessageId: string;
  occurredAt: Date;
  createdAt: Date;
  /** No identity_outbox row is left for it. */
  published: boolean;
}

const SOURCE_TYPE: Record<string, string> = {
  kratos: 'KratosIdentityUpdated',
  authentik: 'AuthentikUserChanged',
};

/** The trace id (second field) of a W3C traceparent. */
export function traceIdOf(traceparent: unknown): string | null {
  if (typeof traceparent !== 'string') return null;
  const parts = traceparent.split('-');
  return parts.length === 4 && /^[0-9a-f]{32}$/.test(parts[1]!) ? parts[1]! : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Leaves of an object as dotted paths (arrays are compared whole). */
function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (isObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.set(prefix, value);
  }
}

const COMPARED = ['email', 'username', 'emailVerified', 'state', 'traits'] as const;

/** Field-by-field difference of two canonical identities (null before = created). */
export function diffIdentities(before: unknown, after: unknown): FieldChange[] {
  const pick = (identity: unknown): Map<string, unknown> => {
    const out = new Map<string, unknown>();
    if (!isObject(identity)) return out;
    for (const key of COMPARED) {
      if (key === 'traits') flatten(identity.traits, 'traits', out);
      else out.set(key, identity[key] ?? null);
    }
    return out;
  };
  const a = pick(before);
  const b = pick(after);
  const fields = [...new Set([...a.keys(), ...b.keys()])].sort();
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const x = a.get(field) ?? null;
    const y = b.get(field) ?? null;
    if (JSON.stringify(x) !== JSON.stringify(y)) changes.push({ field, before: x, after: y });
  }
  return changes;
}

function outcomeOf(row: EventRow): MessageEntry['outcome'] {
  const payload = isObject(row.payload) ? row.payload : {};
  if (payload.erased === true && row.version === null) return 'erased';
  if (row.version !== null) return 'applied';
  const reason = payload.reason;
  return reason === 'tombstoned' || reason === 'unchanged' ? reason : 'stale';
}

/** The message and (when applied) version entries of one history row. */
export function eventEntries(row: EventRow, provider: string): TimelineEntry[] {
  const payload = isObject(row.payload) ? row.payload : {};
  const at = row.createdAt.toISOString();
  const message: MessageEntry = {
    at,
    kind: 'message',
    messageId: row.sourceMessageId,
    type: SOURCE_TYPE[provider] ?? provider,
    occurredAt: row.occurredAt.toISOString(),
    traceId: traceIdOf(payload.traceparent),
    outcome: outcomeOf(row),
    version: row.version,
  };
  if (row.version === null) return [message];
  const version: VersionEntry = {
    at,
    kind: 'version',
    version: row.version,
    change: typeof payload.change === 'string' ? payload.change : row.type.replace(/^identity\./, ''),
    changes:
      payload.erased === true ? [] : diffIdentities(payload.previous ?? null, payload.identity ?? null),
    published: row.published,
  };
  return [message, version];
}

const KIND_ORDER: Record<TimelineEntry['kind'], number> = {
  message: 0,
  version: 1,
  membership: 2,
  email: 3,
  'dead-letter': 4,
};

/** Oldest first; at the same instant a message comes before the version it made. */
export function sortTimeline(entries: TimelineEntry[]): TimelineEntry[] {
  return [...entries].sort((a, b) => a.at.localeCompare(b.at) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
}
