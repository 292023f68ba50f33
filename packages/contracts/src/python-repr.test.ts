import { describe, expect, test } from 'vitest';
import { parsePythonLiteral } from './python-repr.js';

describe('parsePythonLiteral', () => {
  test.each([
    ["{'a': 1, 'b': 'x'}", { a: 1, b: 'x' }],
    ["{\"a\": True, 'b': False, 'c': None}", { a: true, b: false, c: null }],
    ["{'n': {'m': [1, 2.5, -3, (4, 5)]}}", { n: { m: [1, 2.5, -3, [4, 5]] } }],
    ["'it\\'s'", "it's"],
    ['"say \\"hi\\"\\n"', 'say "hi"\n'],
    ["u'caf\\xe9'", 'café'],
    ['{}', {}],
    ["{'a', 'b'}", ['a', 'b']],
    ["  {'a': [ ] , }  ", { a: [] }],
  ])('%s', (text, expected) => {
    expect(parsePythonLiteral(text)).toEqual(expected);
  });

  test.each(["{'a': UUID('x')}", "{'a': 1", "'open", '{1: 2} trailing', '', "{'a' 1}", 'Truex'])(
    'refuses %j',
    (text) => {
      expect(parsePythonLiteral(text)).toBeUndefined();
    },
  );

  test('deep nesting is refused, not a stack overflow', () => {
    expect(parsePythonLiteral('['.repeat(10_000) + ']'.repeat(10_000))).toBeUndefined();
  });

  test('a __proto__ key is a plain property', () => {
    const v = parsePythonLiteral("{'__proto__': {'x': 1}}") as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
  });
});
