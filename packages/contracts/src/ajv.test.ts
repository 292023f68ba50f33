import { describe, expect, test } from 'vitest';
import { ajv, compile, formatErrors } from './ajv.js';

describe('compile', () => {
  test('compiles a schema object once', () => {
    const schema = { type: 'string' };
    expect(compile(schema)).toBe(compile(schema));
    expect(compile({ type: 'string' })).not.toBe(compile(schema));
  });

  test('the shared instance knows formats and tolerates unknown keywords', () => {
    const validate = compile({
      type: 'string',
      format: 'email',
      'ory.sh/kratos': { verification: { via: 'email' } },
    });
    expect(validate('a@b.example')).toBe(true);
    expect(validate('not-an-email')).toBe(false);
    expect(ajv.opts.allErrors).toBe(true);
  });

  test('never fills defaults into validated data', () => {
    const data: Record<string, unknown> = {};
    compile({ type: 'object', properties: { a: { type: 'string', default: 'x' } } })(data);
    expect(data).toEqual({});
  });
});

describe('formatErrors', () => {
  const validate = compile({
    type: 'object',
    required: ['a/b', 'n'],
    properties: { n: { type: 'integer' }, list: { type: 'array', items: { enum: [1, 2] } } },
  });

  test('lists every error as "pointer: text", missing properties pointed at', () => {
    validate({ n: 'x', list: [1, 3] });
    expect(formatErrors(validate.errors)).toEqual([
      '/a~1b: is required',
      '/n: must be integer',
      '/list/1: must be one of: 1, 2',
    ]);
  });

  test('a root error is reported at "/", no errors give an empty list', () => {
    validate(7);
    expect(formatErrors(validate.errors)).toEqual(['/: must be object']);
    expect(formatErrors(null)).toEqual([]);
  });
});
