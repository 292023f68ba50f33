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
  if (isNormalTime(value)) return value;
  const match = RFC3339.exec(value);
  const whole = match ? Date.parse(`${match[1]}T${match[2]}${offsetOf(match[4] ?? 'Z')}`) : NaN;
  if (!match || Number.isNaN(whole)) {
    throw new ContractError('INVALID_TIME', `not an RFC 3339 timestamp: ${JSON.stringify(value)}`);
  }
  const fraction = (match[3] ?? '').slice(0, 6).padEnd(3, '0');
  return new Date(whole).toISOString().replace(/\.\d{3}Z$/, `.${fraction}Z`);
}

/**
 * Whether `value` is already what normalizeTime returns (`YYYY-MM-DDTHH:MM:SS.fffZ` with 3 to 6 fraction digits)
 * and needs no parse: checked character by character, with days up to 28 only (a later day may not exist in its
 * month and goes through the parse). Every listed identity's time passes here.
 */
function isNormalTime(value: string): boolean {
  const n = value.length;
  if (n < 24 || n > 27 || value.charCodeAt(n - 1) !== 0x5a /* Z */) return false;
  for (let i = 0; i < n - 1; i++) {
    const c = value.charCodeAt(i);
    const separator = NORMAL_SEPARATORS[i];
    if (separator !== undefined ? c !== separator : c < 0x30 || c > 0x39) return false;
  }
  const two = (at: number) => (value.charCodeAt(at) - 0x30) * 10 + value.charCodeAt(at + 1) - 0x30;
  const month = two(5);
  const day = two(8);
  return (
    month >= 1 && month <= 12 && day >= 1 && day <= 28 && two(11) <= 23 && two(14) <= 59 && two(17) <= 59
  );
}

/** The separators of a normal time by position (`-`, `-`, `T`, `:`, `:`, `.`); every other character is a digit. */
const NORMAL_SEPARATORS: Record<number, number> = {
  4: 0x2d,
  7: 0x2d,
  10: 0x54,
  13: 0x3a,
  16: 0x3a,
  19: 0x2e,
};

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
