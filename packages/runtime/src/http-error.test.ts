import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compile } from '@identity-relay/contracts';
import { asHttpError, fieldProblems, HttpError, httpErrorHandler, problemOf } from './http-error.js';

describe('problemOf', () => {
  test('is RFC 9457 problem details with the code and field errors', () => {
    const err = new HttpError(422, 'invalid_body', 'invalid body', {
      errors: [{ pointer: '/list', detail: 'is required' }],
    });
    expect(problemOf(err)).toEqual({
      type: 'tag:identity-relay,2026:problem:invalid_body',
      title: 'Unprocessable Entity',
      status: 422,
      detail: 'invalid body',
      code: 'invalid_body',
      errors: [{ pointer: '/list', detail: 'is required' }],
    });
  });

  test('detail keeps one line and masks email addresses', () => {
    const err = new HttpError(
      404,
      'not_found',
      'ada@school.edu is not suppressed\n    at Object.<anonymous>',
    );
    expect(problemOf(err).detail).toBe('a***@school.edu is not suppressed');
  });
});

describe('fieldProblems', () => {
  test('names each invalid field by JSON pointer, the missing property included', () => {
    const validate = compile({
      type: 'object',
      required: ['dryRun'],
      properties: { dryRun: { type: 'boolean' }, limit: { type: 'integer' } },
    });
    validate({ limit: 'x' });
    expect(fieldProblems(validate.errors)).toEqual([
      { pointer: '/dryRun', detail: 'is required' },
      { pointer: '/limit', detail: expect.stringMatching(/integer/) },
    ]);
    expect(fieldProblems(validate.errors, '#/query')[0]!.pointer).toBe('#/query/dryRun');
    const closed = compile({ type: 'object', additionalProperties: false, properties: {} });
    closed({ mail: 'x' });
    expect(fieldProblems(closed.errors, '#/query')).toEqual([
      { pointer: '#/query/mail', detail: 'is not a known field' },
    ]);
  });
});

describe('asHttpError', () => {
  test('maps body-parser failures to 4xx without quoting the body, and nothing else', () => {
    expect(
      asHttpError({ type: 'entity.parse.failed', status: 400, message: 'Unexpected "ada@x.org"' }),
    ).toMatchObject({ status: 400, code: 'malformed_json', message: 'request body is not valid JSON' });
    expect(asHttpError({ type: 'entity.too.large', status: 413, limit: 10 })?.status).toBe(413);
    expect(asHttpError(new Error('boom'))).toBeNull();
  });
});

describe('httpErrorHandler', () => {
  const unexpected: unknown[] = [];
  const handler = httpErrorHandler({ onUnexpected: (err) => unexpected.push(err) });
  const hooks = httpErrorHandler({ onUnexpected: () => undefined, format: (e) => ({ code: e.code }) });
  let base = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const next = (): void => void res.end();
    if (req.url === '/known')
      handler(
        new HttpError(429, 'rate_limited', 'slow down', { headers: { 'Retry-After': '3' } }),
        req,
        res,
        next,
      );
    else if (req.url === '/kratos')
      handler(new HttpError(422, 'x', 'y', { body: { messages: [] } }), req, res, next);
    else if (req.url === '/hook') hooks(new HttpError(403, 'refused', 'no'), req, res, next);
    else handler(new Error('secret stack'), req, res, next);
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('answers problem+json with the error headers', async () => {
    const res = await fetch(`${base}/known`);
    expect([res.status, res.headers.get('content-type'), res.headers.get('retry-after')]).toEqual([
      429,
      'application/problem+json',
      '3',
    ]);
    expect(await res.json()).toMatchObject({ status: 429, code: 'rate_limited', detail: 'slow down' });
  });

  test('a bug is a bare 500: the caller learns nothing of it, onUnexpected hears it', async () => {
    const res = await fetch(`${base}/bug`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toMatch(/secret|stack/);
    expect(JSON.parse(text)).toMatchObject({ code: 'internal_error', detail: 'internal error' });
    expect(unexpected).toHaveLength(1);
  });

  test('a body an IdP dictates, or a route family format, is sent as plain JSON', async () => {
    const kratos = await fetch(`${base}/kratos`);
    expect(kratos.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await kratos.json()).toEqual({ messages: [] });
    expect(await (await fetch(`${base}/hook`)).json()).toEqual({ code: 'refused' });
  });
});
