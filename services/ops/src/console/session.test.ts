import type { Request } from 'express';
import { expect, test } from 'vitest';
import { readCookie } from './session.js';

const request = (cookie?: string) =>
  ({ get: (name: string) => (name === 'cookie' ? cookie : undefined) }) as Request;

test('readCookie finds one cookie among several, percent-decoded; the first of two copies wins', () => {
  const req = request('theme=dark; ir_ops_session=a%2Bb%3D; ir_ops_session=second');
  expect(readCookie(req, 'ir_ops_session')).toBe('a+b=');
  expect(readCookie(req, 'theme')).toBe('dark');
  expect(readCookie(req, 'ir_ops_login')).toBeUndefined();
  expect(readCookie(request(), 'ir_ops_session')).toBeUndefined();
  expect(readCookie(request('ir_ops_session=%E0%A4%A'), 'ir_ops_session')).toBe('%E0%A4%A');
});
