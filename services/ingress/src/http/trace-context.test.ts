import { describe, expect, test } from 'vitest';
import { formatTraceparent, parseTraceparent, startRequestSpan } from './trace-context.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const VALID = `00-${TRACE}-${SPAN}-01`;
const SHAPE = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

describe('parseTraceparent', () => {
  test('reads a valid header, and round-trips through formatTraceparent', () => {
    const sc = parseTraceparent(VALID);
    expect(sc).toEqual({ traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true });
    expect(formatTraceparent(sc!)).toBe(VALID);
  });

  test('accepts a future version with extra fields, keeping the known ones', () => {
    expect(parseTraceparent(`cc-${TRACE}-${SPAN}-01-what-the-future-holds`)?.traceId).toBe(TRACE);
  });

  test.each([
    ['absent', undefined],
    ['empty', ''],
    ['uppercase', VALID.toUpperCase()],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE}-${SPAN}-01`],
    ['version 00 with trailing data', `${VALID}-extra`],
    ['two headers joined', `${VALID}, ${VALID}`],
    ['an array', [VALID, VALID]],
    ['short trace id', `00-${TRACE.slice(1)}-${SPAN}-01`],
  ])('refuses %s', (_name, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });
});

describe('startRequestSpan without an OpenTelemetry SDK', () => {
  test('continues a valid caller trace with a new span id and the caller flags', () => {
    const { traceparent, span } = startRequestSpan('POST', `00-${TRACE}-${SPAN}-00`);
    span.end();
    expect(traceparent).toMatch(SHAPE);
    const sc = parseTraceparent(traceparent)!;
    expect(sc.traceId).toBe(TRACE);
    expect(sc.spanId).not.toBe(SPAN);
    expect(sc.traceFlags).toBe(0);
  });

  test('new trace and span ids stay well-formed and distinct across many refills of the random pool', () => {
    const values = Array.from({ length: 2000 }, () => startRequestSpan('POST', undefined).traceparent);
    for (const v of values) expect(v).toMatch(SHAPE);
    expect(new Set(values.map((v) => v.slice(3, 35))).size).toBe(values.length);
    expect(new Set(values.map((v) => v.slice(36, 52))).size).toBe(values.length);
  });

  test('starts a new sampled trace when the header is absent or invalid', () => {
    const a = startRequestSpan('POST', undefined).traceparent;
    const b = startRequestSpan('POST', 'garbage').traceparent;
    for (const t of [a, b]) {
      expect(parseTraceparent(t)).toMatchObject({ traceFlags: 1 });
      expect(t).toMatch(SHAPE);
    }
    expect(parseTraceparent(a)!.traceId).not.toBe(parseTraceparent(b)!.traceId);
  });
});
