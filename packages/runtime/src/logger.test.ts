import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture(level = 'info') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ service: 'test-service', level, destination });
  const output = () => lines.join('');
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, output, records };
}

describe('createLogger', () => {
  it('writes base fields and level labels', () => {
    const { logger, records } = capture();
    logger.info('started');
    expect(records()[0]).toMatchObject({
      level: 'info',
      service: 'test-service',
      pid: process.pid,
      msg: 'started',
    });
    expect(records()[0]).toHaveProperty('hostname');
    expect(records()[0]).toHaveProperty('time');
  });

  it('never shows an email address or an API key at info', () => {
    const { logger, output } = capture();
    const config = { kratosApiKey: 'kratos-secret-1', amqpUrl: 'amqp://relay:broker-secret-2@mq:5672' };
    const req = { headers: { 'x-api-key': 'hdr-secret-3', authorization: 'Bearer hdr-secret-4' } };
    logger.info(
      { identity: { traits: { email: 'jane.doe@example.org' } }, config, req },
      'synced %s',
      'bob@example.com',
    );
    logger.warn({ apiKey: 'top-secret-5', note: 'contact admin@example.org' });
    logger.error(new Error('mailbox full for carol@example.org'));
    logger
      .child({ email: 'dave@example.org', token: 'child-secret-6' })
      .info({ user: 'erin@example.org' }, 'child');
    const text = output();
    for (const leak of ['jane.doe@', 'bob@', 'admin@', 'carol@', 'dave@', 'erin@', 'secret-']) {
      expect(text).not.toContain(leak);
    }
    expect(text).toContain('j***@example.org');
    expect(text).toContain('[REDACTED]');
  });

  it('keeps the error shape of logged errors', () => {
    const { logger, records } = capture();
    logger.error({ err: new TypeError('bad jane@example.org') }, 'failed');
    expect(records()[0]).toMatchObject({
      msg: 'failed',
      err: { type: 'TypeError', message: 'bad j***@example.org' },
    });
  });

  it('shows emails at debug and trace, but still hides secrets', () => {
    const { logger, output } = capture('trace');
    logger.debug({ email: 'jane@example.org', apiKey: 'debug-secret' }, 'debugging');
    logger.info({ email: 'jane@example.org' }, 'info stays masked');
    expect(output()).toContain('"email":"jane@example.org"');
    expect(output()).toContain('"email":"j***@example.org"');
    expect(output()).not.toContain('debug-secret');
  });

  it('does not modify the logged object', () => {
    const { logger } = capture();
    const identity = { email: 'jane@example.org', apiKey: 'k' };
    logger.info({ identity });
    expect(identity).toEqual({ email: 'jane@example.org', apiKey: 'k' });
  });
});
