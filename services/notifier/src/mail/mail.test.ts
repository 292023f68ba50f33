import { describe, expect, test } from 'vitest';
import { classifySmtpError, receiptOf } from './classify.js';
import { fileNameFor, headerSafeId, mailDomain, messageIdFor } from './message-id.js';

describe('classifySmtpError', () => {
  test.each([
    [{ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }, 'recipient-permanent'],
    [{ code: 'EMESSAGE', responseCode: 554, command: 'DATA' }, 'recipient-permanent'],
    [{ code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO' }, 'recipient-transient'],
    [{ code: 'ECONNECTION', errno: -111, syscall: 'connect' }, 'server'],
    [{ code: 'ETIMEDOUT', command: 'CONN' }, 'server'],
    [{ code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' }, 'server'],
    [{ code: 'EENVELOPE', responseCode: 553, command: 'MAIL FROM' }, 'server'],
    [new Error('boom'), 'server'],
    [undefined, 'server'],
  ])('%j → %s', (err, expected) => {
    expect(classifySmtpError(err)).toBe(expected);
  });
});

test('receiptOf keeps the queue id when the reply names one', () => {
  expect(receiptOf('250 2.0.0 Ok: queued as 4F3C2A1B', '<x@y>')).toBe('4F3C2A1B');
  expect(receiptOf('250 OK', '<x@y>')).toBe('250 OK');
  expect(receiptOf(undefined, '<x@y>')).toBe('<x@y>');
});

describe('message ids', () => {
  test('deterministic per (notification, recipient), case-insensitive in the address', () => {
    const a = messageIdFor('n-1', 'Ada@School.edu', 'school.example');
    expect(a).toBe(messageIdFor('n-1', 'ada@school.edu', 'school.example'));
    expect(a).toMatch(/^<n-1\.[0-9a-f]{32}@school\.example>$/);
    expect(messageIdFor('n-2', 'ada@school.edu', 'school.example')).not.toBe(a);
    expect(messageIdFor('n-1', 'bob@school.edu', 'school.example')).not.toBe(a);
  });
  test('an id unsafe for headers or file names is hashed', () => {
    expect(headerSafeId('abc\r\nBcc: x@y')).toMatch(/^[0-9a-f]{32}$/);
    expect(messageIdFor('../../etc\npasswd', 'a@b.c', 'b.c')).toMatch(/^<[0-9a-f]{32}\.[0-9a-f]{32}@b\.c>$/);
    expect(fileNameFor('<n-1.abc@identity-relay>')).toBe('n-1.abc@identity-relay.eml');
  });
});

test('mailDomain takes the domain of MAIL_FROM, with or without a display name', () => {
  expect(mailDomain('Exams <exams@School.Example>')).toBe('school.example');
  expect(mailDomain('no-reply@relay.example.org')).toBe('relay.example.org');
  expect(mailDomain('identity-relay <no-reply@localhost>')).toBe('localhost');
  expect(mailDomain('nobody')).toBe('localhost');
  expect(mailDomain('x <a@bad domain>')).toBe('localhost');
});
