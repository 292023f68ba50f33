import { describe, expect, test } from 'vitest';
import { toOpenApiSchema } from './json-schema.js';

describe('toOpenApiSchema', () => {
  test('turns ajv nullable into a null type, enum or const member', () => {
    expect(toOpenApiSchema({ type: 'string', nullable: true })).toEqual({ type: ['string', 'null'] });
    expect(toOpenApiSchema({ type: 'string', enum: ['a'], nullable: true })).toEqual({
      type: ['string', 'null'],
      enum: ['a', null],
    });
    expect(toOpenApiSchema({ type: 'string', const: 'a', nullable: true })).toEqual({
      type: ['string', 'null'],
      enum: ['a', null],
    });
    expect(toOpenApiSchema({ type: 'null', nullable: true })).toEqual({ type: 'null' });
  });

  test('recurses into subschemas but not into values or property names', () => {
    const schema = {
      type: 'object',
      required: ['nullable'],
      properties: { nullable: { type: 'integer', nullable: true }, e: { enum: [{ nullable: true }] } },
      items: [{ type: 'boolean', nullable: true }],
      anyOf: [{ type: 'object', nullable: true }],
    };
    expect(toOpenApiSchema(schema)).toEqual({
      type: 'object',
      required: ['nullable'],
      properties: { nullable: { type: ['integer', 'null'] }, e: { enum: [{ nullable: true }] } },
      items: [{ type: ['boolean', 'null'] }],
      anyOf: [{ type: ['object', 'null'] }],
    });
  });

  test('leaves the input untouched', () => {
    const schema = { type: 'string', nullable: true };
    toOpenApiSchema(schema);
    expect(schema).toEqual({ type: 'string', nullable: true });
  });
});
