// Hostile Authentik bodies: the fallback summary reader must stay linear, and pks beyond 2^53 are refused.
import { describe, expect, it } from 'vitest';
import {
  AuthentikPkRangeError,
  authentikMappedBodySchema,
  authentikUserChangeOf,
  parseAuthentikEventSummary,
} from './authentik-webhook.js';
import { compile } from './ajv.js';

const KB256 = 256 * 1024;
const repeat = (unit: string) => unit.repeat(Math.floor(KB256 / unit.length));
const defaultBody = (body: string) => ({ body, severity: 'notice' });

/** Milliseconds `fn` takes. Used only as a generous regression guard against the quadratic scans. */
function elapsed(fn: () => void): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

describe('Authentik summary fallback on 256 KB hostile input', () => {
  // Each of these took seconds with /'model': \{([^}]*)\}/ and /'app': '([^']*)'/ (2.7 s measured for the first).
  const cases: Array<[string, string]> = [
    ['unterminated model dicts', `model_created: ${repeat("{'model': {")}`],
    ['unterminated app strings', `model_created: {'model': {${repeat("'app': '")}}}`],
    ['pk keys without digits', `model_created: {'model': {${repeat("'pk': x")}}}`],
  ];

  it.each(cases)(
    '%s: answers correctly (no user change) in linear time — guard: under 1 s',
    (_name, summary) => {
      let event: ReturnType<typeof parseAuthentikEventSummary> = null;
      const ms = elapsed(() => {
        event = parseAuthentikEventSummary(summary);
      });
      expect(event).toMatchObject({ eventType: 'model_created', pk: null });
      expect(authentikUserChangeOf(defaultBody(summary))).toBeNull();
      expect(ms).toBeLessThan(1000);
    },
  );

  it('still reads the model from a summary the literal reader refuses', () => {
    const summary =
      "model_updated: {'model': {'app': 'authentik_core', 'model_name': 'user', 'pk': 42, 'name': 'x'}, 'id': UUID('0f')}";
    expect(authentikUserChangeOf(defaultBody(summary))).toEqual({ action: 'updated', pk: 42 });
  });
});

describe('Authentik pks beyond 2^53', () => {
  it('a default body naming user pk 9007199254740993 is refused, not silently ignored', () => {
    for (const summary of [
      "model_created: {'model': {'app': 'authentik_core', 'model_name': 'user', 'pk': 9007199254740993}}",
      "model_created: {'model': {'app': 'authentik_core', 'model_name': 'user', 'pk': 9007199254740993}, 'id': UUID('0f')}",
    ]) {
      expect(() => authentikUserChangeOf(defaultBody(summary))).toThrow(AuthentikPkRangeError);
    }
  });

  it('a mapped body with pk 9007199254740993 fails the schema (JSON.parse would round it to another user)', () => {
    const validate = compile(authentikMappedBodySchema);
    expect(validate(JSON.parse('{"event_type":"model_created","pk":9007199254740993}'))).toBe(false);
    expect(validate({ event_type: 'model_created', pk: Number.MAX_SAFE_INTEGER })).toBe(true);
  });
});
