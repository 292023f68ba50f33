import { describe, expect, it } from 'vitest';
import { BrokerUrlError, parseBrokerUrls, redactBrokerUrls } from './broker-urls.js';
import { retryDelay } from './node-connection.js';

describe('parseBrokerUrls', () => {
  it('reads one URL per node, in order, with decoded credentials and the vhost still encoded', () => {
    const nodes = parseBrokerUrls(
      'amqp://relay:p%40ss@node1:5672/ir%2Fprod, amqps://relay:p%40ss@node2/ir%2Fprod?frameMax=8192',
    );
    expect(nodes).toEqual([
      {
        protocol: 'amqp',
        hostname: 'node1',
        port: 5672,
        username: 'relay',
        password: 'p@ss',
        vhost: 'ir%2Fprod',
        label: 'amqp://relay:***@node1:5672/ir%2Fprod',
      },
      {
        protocol: 'amqps',
        hostname: 'node2',
        port: 5671,
        username: 'relay',
        password: 'p@ss',
        vhost: 'ir%2Fprod',
        frameMax: 8192,
        label: 'amqps://relay:***@node2/ir%2Fprod',
      },
    ]);
  });

  it('keeps the single-URL form and amqplib defaults (guest/guest, vhost /)', () => {
    expect(parseBrokerUrls('amqp://127.0.0.1')).toMatchObject([
      { hostname: '127.0.0.1', port: 5672, username: 'guest', password: 'guest', vhost: '' },
    ]);
    expect(parseBrokerUrls('amqp://[::1]:5673')[0]).toMatchObject({ hostname: '::1', port: 5673 });
  });

  it.each([
    ['not a url', 'the URL is not a valid amqp:// or amqps:// URL'],
    ['http://u:hunter2@broker', 'the URL is not an amqp:// or amqps:// URL'],
    ['amqp://u:hunter2@a/v,', 'entry 2 of 2 is not a valid amqp:// or amqps:// URL'],
    ['amqp://u:hunter2@a/v,postgres://u:hunter2@b/v', 'entry 2 of 2 is not an amqp:// or amqps:// URL'],
    ['amqp://u:hunter2@a/one,amqp://u:hunter2@b/two', 'every broker URL must name the same vhost'],
    ['amqp://u:hunter2@a/v/extra', 'the URL has a path that is not a vhost'],
    ['amqp://u:hunter2@a/v?frameMax=big', 'the URL has a frameMax that is not a whole number'],
  ])('refuses %j without repeating it', (text, message) => {
    const err = (() => {
      try {
        parseBrokerUrls(text);
      } catch (e) {
        return e as Error;
      }
      throw new Error('accepted');
    })();
    expect(err).toBeInstanceOf(BrokerUrlError);
    expect(err.message).toBe(message);
    expect(err.message).not.toContain('hunter2');
  });
});

describe('redactBrokerUrls', () => {
  it('replaces every password, and an entry that is not a URL whole', () => {
    expect(redactBrokerUrls('amqp://u:hunter2@a:5672/v,amqp://u:s3cret@b/v?heartbeat=5,oops hunter2')).toBe(
      'amqp://u:***@a:5672/v,amqp://u:***@b/v,<invalid URL>',
    );
  });
});

describe('retryDelay', () => {
  it('tries every node of the list quickly, then backs off per full round up to the maximum', () => {
    const around = (ms: number) => [Math.floor(ms * 0.8), Math.ceil(ms * 1.2)];
    for (let i = 0; i < 50; i++) {
      for (const attempt of [1, 2, 3]) {
        const [lo, hi] = around(100);
        expect(retryDelay(attempt, 3, 5000)).toBeGreaterThanOrEqual(lo!);
        expect(retryDelay(attempt, 3, 5000)).toBeLessThanOrEqual(hi!);
      }
      expect(retryDelay(4, 3, 5000)).toBeGreaterThanOrEqual(160);
      expect(retryDelay(7, 3, 5000)).toBeGreaterThanOrEqual(320);
      expect(retryDelay(300, 3, 5000)).toBeLessThanOrEqual(5000);
      expect(retryDelay(2, 1, 5000)).toBeGreaterThanOrEqual(160); // one node: plain doubling
    }
  });
});
