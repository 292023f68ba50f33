import { ContractError } from './errors.js';

// Go's zero time.Time: Kratos writes it for timestamps of an identity that is not persisted yet.
const GO_ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z');
const RFC3339 = /^(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d:\d\d)(?:\.(\d+))?([Zz]|[+-]\d\d:?\d\d)$/;

/** True for Go's zero time (`0001-01-01T00:00:00Z`), which means "not set" rather than a real instant. */
export function isZeroTime(value: string): boolean {
  // A year from 1000 on (its first digit 1-9) cannot be year 1, whatever the offset: no parse for real times.
  const first = value.charCodeAt(0);
  if (first >= 0x31 && first <= 0x39) return false;
  return Date.parse(value) === GO_ZERO_TIME_MS;
}

/**
 * An RFC 3339 timestamp as ISO 8601 UTC (`...Z`). Fractional seconds are kept up to microseconds,
 * PostgreSQL's precision, instead of JavaScript's milliseconds: Kratos writes nanoseconds and two
 * updates inside one millisecond must still order. Throws ContractError INVALID_TIME otherwise.
 */
export function normalizeTime(value: string | Date): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ContractError('INVALID_TIME', 'invalid Date');
    return value.toISOString();
  }
  const match = RFC3339.exec(value);
  const whole = match ? Date.parse(`${match[1]}T${match[2]}${offsetOf(match[4] ?? 'Z')}`) : NaN;
  if (!match || Number.isNaN(whole)) {
    throw new ContractError('INVALID_TIME', `not an RFC 3339 timestamp: ${JSON.stringify(value)}`);
  }
  const fraction = (match[3] ?? '').slice(0, 6).padEnd(3, '0');
  const iso = new Date(whole).toISOString();
  // Already normalised (UTC, 3 to 6 fraction digits, no day rolled over): the same string, not a new one.
  if (match[4] === 'Z' && value.length === 21 + fraction.length && iso.startsWith(value.slice(0, 19))) {
    return value;
  }
  return `${iso.slice(0, -5)}.${fraction}Z`;
}

function offsetOf(zone: string): string {
  if (zone === 'Z' || zone === 'z') return 'Z';
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

/**
 * A source time (`sourceUpdatedAt`, an event's `occurredAt`) as `identities.source_updated_at` keeps it, in
 * milliseconds since the epoch: digits below the millisecond are dropped. The column is `timestamptz(3)`, and
 * Postgres would round a finer time it is given (.123756 → .124) while JavaScript's Date truncates it (→ .123);
 * so every comparison of source times and every write of the column goes through this one function, and an
 * identical time read back from the row, re-sent by the IdP or listed by its admin API compares equal.
 */
export function sourceTimeMs(value: string): number {
  // Already ISO UTC with a fraction (normalizeTime's output, a row's toISOString): cut, no regular expression.
  if (value.length >= 24 && value[19] === '.' && value[10] === 'T' && value.endsWith('Z')) {
    return Date.parse(`${value.slice(0, 23)}Z`);
  }
  return Date.parse(normalizeTime(value).slice(0, 23) + 'Z');
}

/** `sourceTimeMs` as the ISO string written to `identities.source_updated_at` (`...sss.mmmZ`). */
export function storedSourceTime(value: string): string {
  return new Date(sourceTimeMs(value)).toISOString();
}
