import { randomFillSync } from 'node:crypto';
import {
  context,
  isSpanContextValid,
  isValidSpanId,
  isValidTraceId,
  SpanKind,
  trace,
  TraceFlags,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';

const tracer = trace.getTracer('identity-relay/ingress');

/**
 * Random bytes for new trace and span ids, drawn from a pool refilled 4 KiB at a time: one
 * `randomBytes(24)` per request (a native call and a fresh buffer) showed as ~3% of the ingress' CPU
 * profile under load. The ids are identifiers, not secrets; they stay uniformly random.
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/** version-traceid-parentid-flags, lowercase hex (W3C Trace Context §3.2). */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The caller's span context from a `traceparent` header, or undefined when it is absent or invalid: an
 * all-zero id, version `ff`, version 00 with trailing data, or several headers (Node joins them with ", ").
 */
export function parseTraceparent(header: string | string[] | undefined): SpanContext | undefined {
  if (typeof header !== 'string') return undefined;
  const m = TRACEPARENT.exec(header.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (!isValidTraceId(traceId) || !isValidSpanId(spanId)) return undefined;
  return { traceId, spanId, traceFlags: parseInt(flags, 16), isRemote: true };
}

/** A span context as a version-00 `traceparent` value. */
export function formatTraceparent(sc: SpanContext): string {
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

export interface RequestTrace {
  /** The request's own span: ended by the caller when the response finished. */
  span: Span;
  /** The value to propagate: this request's trace id and span id. */
  traceparent: string;
}

/**
 * Starts the span of one request. With an OpenTelemetry SDK registered, it is a real SERVER span, a child of
 * the SDK's own HTTP span when instrumentation made one, else of the caller's `traceparent`. Without one (the
 * default), the API records nothing and returns no new ids, so they are made here: the caller's trace id and
 * flags when its header is valid, else a new trace (flags 01, sampled, as OpenTelemetry's default sampler
 * decides for a root), and a new span id for this hop.
 */
export function startRequestSpan(name: string, header: string | string[] | undefined): RequestTrace {
  const activeSpan = trace.getSpan(context.active());
  const active =
    activeSpan && isSpanContextValid(activeSpan.spanContext()) ? activeSpan.spanContext() : undefined;
  const parent = active ?? parseTraceparent(header);
  const parentContext = active || !parent ? context.active() : trace.setSpanContext(context.active(), parent);
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER }, parentContext);
  const own = span.spanContext();
  if (span.isRecording() && isSpanContextValid(own)) return { span, traceparent: formatTraceparent(own) };
  const ids = randomHex(24);
  return {
    span,
    traceparent: formatTraceparent({
      traceId: parent?.traceId ?? ids.slice(0, 32),
      spanId: ids.slice(32),
      traceFlags: parent?.traceFlags ?? TraceFlags.SAMPLED,
    }),
  };
}
