import { describe, expect, it } from 'vitest';
import { isSecretKey, maskEmail, maskEmails, sanitize, MAX_SANITIZE_DEPTH } from './redact.js';

describe('maskEmails', () => {
  it('masks addresses inside strings, keeping the first letter and the domain', () => {
    expect(maskEmails('mail jane.doe@example.org and b@x.co now')).toBe(
      'mail j***@example.org and b***@x.co now',
    );
    expect(maskEmail('J.Smith+tag@mail.example.ac.uk')).toBe('J***@mail.example.ac.uk');
  });

  it('leaves strings without addresses, URL credentials and local hosts alone', () => {
    for (const text of [
      'no address here',
      'amqp://guest:guest@127.0.0.1:5672',
      'postgres@localhost',
      '@example.org',
    ]) {
      expect(maskEmails(text)).toBe(text);
    }
  });

  it('walks objects and arrays without touching the input', () => {
    const input = {
      user: { email: 'jane@example.org', tags: ['x', 'bob@example.com'] },
      n: 1,
      ok: true,
      none: null,
    };
    const output = maskEmails(input);
    expect(output).toEqual({
      user: { email: 'j***@example.org', tags: ['x', 'b***@example.com'] },
      n: 1,
      ok: true,
      none: null,
    });
    expect(input.user.email).toBe('jane@example.org');
  });

  it('masks error messages and stacks', () => {
    const output = maskEmails({ err: new Error('no mailbox jane@example.org') }) as {
      err: Record<string, string>;
    };
    expect(output.err.type).toBe('Error');
    expect(output.err.message).toBe('no mailbox j***@example.org');
    expect(output.err.stack).not.toContain('jane@example.org');
  });

  it('survives cycles and cuts deep nesting', () => {
    const cyclic: Record<string, unknown> = { email: 'jane@example.org' };
    cyclic.self = cyclic;
    expect(maskEmails(cyclic)).toEqual({ email: 'j***@example.org', self: '[Circular]' });
    let deep: unknown = 'jane@example.org';
    for (let i = 0; i < MAX_SANITIZE_DEPTH + 2; i += 1) deep = { deep };
    expect(JSON.stringify(maskEmails(deep))).not.toContain('jane@example.org');
  });

  it('uses toJSON like the log line would', () => {
    const value = { when: new Date(0), custom: { toJSON: () => ({ to: 'jane@example.org' }) } };
    expect(maskEmails(value)).toEqual({
      when: '1970-01-01T00:00:00.000Z',
      custom: { to: 'j***@example.org' },
    });
  });
});

describe('sanitize', () => {
  it('redacts secret-looking keys at any depth, whatever the email setting', () => {
    const input = {
      a: {
        b: {
          c: {
            apiKey: 'k',
            KRATOS_API_KEY: 'k',
            opsToken: 't',
            'x-api-key': 'k',
            password: 'p',
            Authorization: 'Bearer x',
          },
        },
      },
      tokenType: 'bearer',
    };
    for (const emails of [true, false]) {
      expect(sanitize(input, { emails })).toEqual({
        a: {
          b: {
            c: {
              apiKey: '[REDACTED]',
              KRATOS_API_KEY: '[REDACTED]',
              opsToken: '[REDACTED]',
              'x-api-key': '[REDACTED]',
              password: '[REDACTED]',
              Authorization: '[REDACTED]',
            },
          },
        },
        tokenType: 'bearer',
      });
    }
  });

  it('removes passwords from URLs and masks emails only when asked', () => {
    const line = 'amqp://relay:s3cret@broker:5672 for jane@example.org';
    expect(sanitize(line, { emails: true })).toBe('amqp://relay:[REDACTED]@broker:5672 for j***@example.org');
    expect(sanitize(line, { emails: false })).toBe(
      'amqp://relay:[REDACTED]@broker:5672 for jane@example.org',
    );
  });

  it('knows which keys hold secrets', () => {
    for (const key of [
      'apiKey',
      'hooksApiKey',
      'secret',
      'generatedSecrets',
      'cookie',
      'webhook-signature',
      'AUTHENTIK_TOKEN',
    ]) {
      expect(isSecretKey(key)).toBe(true);
    }
    for (const key of ['email', 'tokenType', 'keyHeader', 'kratosApiKeyHeader', 'id']) {
      expect(isSecretKey(key)).toBe(false);
    }
  });
});
