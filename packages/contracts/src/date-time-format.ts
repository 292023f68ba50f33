/**
 * ajv's `date-time` format (ajv-formats' full mode: RFC 3339 with a time zone, real calendar days, leap seconds
 * only at 23:59 UTC) with a fast path. ajv-formats splits the string and runs two regular expressions per value,
 * ~1 µs each, and a Kratos identity carries five timestamps; the ingress validates one per webhook. The fast path
 * reads the usual shape (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`) character by character and only ever
 * *accepts*: anything it does not recognise as plainly valid goes to ajv-formats' own validator, so the accepted
 * set is exactly ajv-formats' (date-time-format.test.ts checks both against each other).
 */
export function fastDateTime(full: (value: string) => boolean): (value: string) => boolean {
  return (value) => plainlyValid(value) || full(value);
}

const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function plainlyValid(s: string): boolean {
  const n = s.length;
  if (n < 20 || n > 64) return false;
  const t = s.charCodeAt(10);
  if (
    s.charCodeAt(4) !== 0x2d /* - */ ||
    s.charCodeAt(7) !== 0x2d ||
    (t !== 0x54 /* T */ && t !== 0x74) /* t */ ||
    s.charCodeAt(13) !== 0x3a /* : */ ||
    s.charCodeAt(16) !== 0x3a
  )
    return false;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return false;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS[month]!)) return false;
  let i = 19;
  if (s.charCodeAt(i) === 0x2e /* . */) {
    const start = ++i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    if (i === start) return false;
  }
  const zone = s.charCodeAt(i);
  if (zone === 0x5a /* Z */ || zone === 0x7a /* z */) return i === n - 1;
  if ((zone !== 0x2b /* + */ && zone !== 0x2d) /* - */ || i !== n - 6 || s.charCodeAt(i + 3) !== 0x3a)
    return false;
  const zoneHour = digits(s, i + 1, 2);
  const zoneMinute = digits(s, i + 4, 2);
  return zoneHour >= 0 && zoneHour <= 23 && zoneMinute >= 0 && zoneMinute <= 59;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The decimal number in `s` at `at`, `length` digits long; -1 when one of them is not a digit. */
function digits(s: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return -1;
    value = value * 10 + c - 0x30;
  }
  return value;
}
