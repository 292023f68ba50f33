import { describe, expect, test } from 'vitest';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from './json-body.js';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('jsonDepthExceeds', () => {
  test('counts nesting, not brackets: the limit is exact', () => {
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    expect(jsonDepthExceeds(`{"a":${nested(MAX_JSON_DEPTH)}}`, MAX_JSON_DEPTH)).toBe(true);
  });

  test('many shallow brackets, and brackets inside strings, are not nesting', () => {
    const wide = `[${Array.from({ length: 200 }, () => '{}').join(',')}]`;
    expect(jsonDepthExceeds(wide, MAX_JSON_DEPTH)).toBe(false);
    expect(jsonDepthExceeds(JSON.stringify({ s: '[{'.repeat(100) + '\\"' }), MAX_JSON_DEPTH)).toBe(false);
  });

  test('a usual webhook with a handful of objects passes', () => {
    expect(jsonDepthExceeds(JSON.stringify({ identity: { traits: { name: { first: 'Ada' } } } }), 3)).toBe(
      true,
    );
    expect(jsonDepthExceeds(JSON.stringify({ identity: { traits: { name: { first: 'Ada' } } } }), 4)).toBe(
      false,
    );
  });
});
