// Spawns a real process that loads its config the way a service main does.
import { describe, expect, it } from 'vitest';
import { spawnFixture } from './spawn.js';

describe('loadConfigOrExit in a real process', () => {
  it('prints every problem together on stderr and exits 1', async () => {
    const run = spawnFixture('config-exit.ts', {
      NODE_ENV: 'production',
      AMQP_URL: 'http://not-a-broker',
      BODY_LIMIT_BYTES: '0',
      RETRY_DELAYS_MS: '1000,soon',
      KRATOS_BASIC_USER: 'kratos',
    });
    expect(await run.exited).toBe(1);
    const stderr = run.stderr();
    const problems = [
      '- AMQP_URL: must be an amqp:// or amqps:// URL',
      '- BODY_LIMIT_BYTES: must be an integer from 1 to 104857600 (bytes) (got "0")',
      '- RETRY_DELAYS_MS: must be a comma-separated list of positive integers (milliseconds)',
      '- KRATOS_BASIC_PASSWORD: required when KRATOS_BASIC_USER is set',
      '- KRATOS_API_KEY: required in production',
      '- HOOKS_API_KEY: required in production',
      '- NOTIFY_API_KEY: required in production',
      '- AUTHENTIK_WEBHOOK_TOKEN: required in production',
      '- UNSUBSCRIBE_SECRET: required in production',
    ];
    for (const problem of problems) expect(stderr).toContain(problem);
    expect(stderr).toContain('Invalid configuration (9 problems)');
    expect(run.stdout()).not.toContain('loaded');
  });

  it('starts when the configuration is valid', async () => {
    const run = spawnFixture('config-exit.ts', { NODE_ENV: 'development' });
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toContain('loaded ingress');
  });
});
