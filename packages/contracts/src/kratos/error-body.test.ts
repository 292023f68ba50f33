import { describe, expect, test } from 'vitest';
import { compile } from '../ajv.js';
import { invalidKratosSyncBodies, kratosSyncBody } from '../fixtures/index.js';
import { kratosSyncIdentityBodySchema } from './bodies.js';
import {
  dottedPath,
  kratosErrorBodySchema,
  kratosMessage,
  kratosMessageKeywords,
  toKratosErrorBody,
  type KratosErrorBody,
} from './error-body.js';

const validateBody = compile(kratosSyncIdentityBodySchema);
const validateErrorBody = compile<KratosErrorBody>(kratosErrorBodySchema);

function errorsOf(body: unknown) {
  expect(validateBody(body)).toBe(false);
  return validateBody.errors;
}

describe('toKratosErrorBody', () => {
  test.each([
    ['empty', '#/identity', 4000002, 'identity is required', 'required'],
    ['nullIdentity', '#/identity', 4000003, 'must be object', 'type'],
    ['missingId', '#/identity/id', 4000002, 'identity.id is required', 'required'],
    ['traitsString', '#/identity/traits', 4000003, 'must be object', 'type'],
    ['badState', '#/identity/state', 4000004, 'must be one of: "active", "inactive"', 'enum'],
  ] as const)('%s body → %s', (name, ptr, id, text, keyword) => {
    const result = toKratosErrorBody(errorsOf(invalidKratosSyncBodies[name]()));
    expect(result.messages).toHaveLength(1);
    expect(result.messages[0]).toMatchObject({ instance_ptr: ptr, messages: [{ id, text, type: 'error' }] });
    expect(result.messages[0]?.messages[0]?.context).toMatchObject({ keyword, params: expect.any(Object) });
    expect(validateErrorBody(result), JSON.stringify(validateErrorBody.errors)).toBe(true);
  });

  test('groups several errors per field and keeps field order', () => {
    const body = kratosSyncBody() as unknown as { identity: Record<string, unknown> };
    body.identity.id = 7;
    body.identity.state = 'gone';
    body.identity.created_at = 'soon';
    const result = toKratosErrorBody(errorsOf(body));
    expect(result.messages.map((m) => m.instance_ptr)).toEqual([
      '#/identity/id',
      '#/identity/state',
      '#/identity/created_at',
    ]);
    expect(result.messages[2]?.messages[0]).toMatchObject({
      id: 4000006,
      text: 'must match format "date-time"',
    });
  });

  test('relativeTo turns body pointers into Kratos UI node pointers', () => {
    const body = kratosSyncBody() as unknown as { identity: Record<string, unknown> };
    body.identity.traits = { name: {} };
    delete body.identity.id;
    const errors = errorsOf(body);
    const result = toKratosErrorBody(errors, { relativeTo: '/identity' });
    expect(result.messages[0]).toMatchObject({
      instance_ptr: '#/id',
      messages: [{ text: 'id is required' }],
    });
  });

  test('a root error is a form-wide message that says what is wrong', () => {
    const result = toKratosErrorBody(errorsOf('not json object'));
    expect(result.messages[0]).toMatchObject({
      instance_ptr: '#/',
      messages: [{ id: 4000003, text: 'request body must be object' }],
    });
  });

  test('idBase shifts every id; ids follow the keyword table', () => {
    const result = toKratosErrorBody(errorsOf(invalidKratosSyncBodies.empty()), { idBase: 9000 });
    expect(result.messages[0]?.messages[0]?.id).toBe(9000 + kratosMessageKeywords.indexOf('required'));
    expect(() => toKratosErrorBody([], { idBase: 1.5 })).toThrow(RangeError);
  });

  test.each([
    ['null', null],
    ['undefined', undefined],
    ['an empty list', []],
  ])('no errors (%s) still gives Kratos one message', (_name, errors) => {
    const result = toKratosErrorBody(errors);
    expect(result).toEqual({
      messages: [
        { instance_ptr: '#/', messages: [{ id: 4000001, text: 'The request is invalid.', type: 'error' }] },
      ],
    });
    expect(validateErrorBody(result)).toBe(true);
  });

  test('keywords outside the table map to idBase', () => {
    const result = toKratosErrorBody([
      {
        keyword: 'x-custom',
        instancePath: '/identity/traits/email',
        schemaPath: '#',
        params: {},
        message: 'no',
      },
    ]);
    expect(result.messages[0]?.messages[0]).toMatchObject({ id: 4000001, text: 'no' });
  });
});

describe('kratosMessage', () => {
  test('builds one error message for one pointer', () => {
    expect(
      kratosMessage('#/traits/email', 4100001, 'That email domain is not allowed', {
        value: 'x@bad.example',
      }),
    ).toEqual({
      instance_ptr: '#/traits/email',
      messages: [
        {
          id: 4100001,
          text: 'That email domain is not allowed',
          type: 'error',
          context: { value: 'x@bad.example' },
        },
      ],
    });
    expect(kratosMessage('#/', 1, 'x').messages[0]).not.toHaveProperty('context');
  });
});

describe('dottedPath', () => {
  test.each([
    ['', ''],
    ['/identity', 'identity'],
    ['/identity/verifiable_addresses/0/value', 'identity.verifiable_addresses[0].value'],
    ['/identity/traits/a~1b~0c', 'identity.traits.a/b~c'],
  ])('%s → %s', (pointer, dotted) => {
    expect(dottedPath(pointer)).toBe(dotted);
  });
});
