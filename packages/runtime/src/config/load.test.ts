import { describe, expect, it } from 'vitest';
import { ConfigError, formatConfigError } from './errors.js';
import {
  announceGeneratedSecrets,
  loadConfig,
  loadConfigOrExit,
  formatGeneratedSecrets,
  type Env,
} from './load.js';
import { ALL_VARIABLES, SERVICE_NAMES, variablesOf, type ServiceName } from './services.js';

const INGRESS_SECRETS = {
  KRATOS_API_KEY: 'kratos-key-6b1f0e2c9d4a7385',
  HOOKS_API_KEY: 'hooks-key-0f3e6a9c2b5d8174',
  NOTIFY_API_KEY: 'notify-key-9a2c5e8b1d4f7036',
  AUTHENTIK_WEBHOOK_TOKEN: 'authentik-token-3d6f9b2e5a8c1047',
  UNSUBSCRIBE_SECRET: 'unsubscribe-key-7e2a9c4f1b8d3056',
};

function problemsOf(env: Env, service: (typeof SERVICE_NAMES)[number] = 'cli'): readonly string[] {
  try {
    loadConfig(env, { service });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

/** The problems several services find in one environment, each listed once, in order of first appearance. */
function problemsIn(env: Env, services: readonly ServiceName[]): readonly string[] {
  return [...new Set(services.flatMap((service) => problemsOf(env, service)))];
}

describe('loadConfig defaults', () => {
  it('fills every documented default from an empty environment', () => {
    // Each service holds its own variables; together they cover every default.
    const config = {
      ...loadConfig({}, { service: 'notifier' }),
      ...loadConfig({}, { service: 'ingress' }),
      ...loadConfig({}, { service: 'ops' }),
      ...loadConfig({}, { service: 'cli' }),
    };
    expect(config).toMatchObject({
      service: 'cli',
      nodeEnv: 'development',
      logLevel: 'info',
      amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/identity_relay',
      dbPoolMax: 10,
      quorumQueueReplicas: 3,
      host: '0.0.0.0',
      ingressPort: 8080,
      opsPort: 8081,
      kratosApiKeyHeader: 'X-Api-Key',
      mailFrom: 'identity-relay <no-reply@localhost>',
      mailDir: './var/mail',
      retryDelaysMs: [1000, 10000, 60000],
      prefetch: 50,
      publishTimeoutMs: 5000,
      shutdownGraceMs: 10000,
      bodyLimitBytes: 1048576,
    });
    expect(loadConfig({}, { service: 'cli' }).generatedSecrets).toEqual({});
    expect(loadConfig({}, { service: 'cli' })).not.toHaveProperty('kratosApiKey');
    expect(config.smtpUrl).toBeUndefined();
  });

  it('defaults HEALTH_PORT per worker', () => {
    expect(loadConfig({}, { service: 'identity-sync' }).healthPort).toBe(8082);
    expect(loadConfig({}, { service: 'subscribers' }).healthPort).toBe(8083);
    expect(loadConfig({}, { service: 'notifier' }).healthPort).toBe(8084);
    expect(loadConfig({ HEALTH_PORT: '0' }, { service: 'notifier' }).healthPort).toBe(0);
  });

  it('treats empty values as unset and ignores unknown variables', () => {
    const config = loadConfig(
      { PREFETCH: '', LOG_LEVEL: '  ', SOMETHING_ELSE: 'x', PATH: '/bin' },
      { service: 'ops' },
    );
    expect(config.prefetch).toBe(50);
    expect(config.logLevel).toBe('info');
    expect(config).not.toHaveProperty('SOMETHING_ELSE');
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({}, { service: 'ingress' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.retryDelaysMs)).toBe(true);
    expect(Object.isFrozen(config.generatedSecrets)).toBe(true);
  });
});

describe("loadConfig reads only the service's own variables", () => {
  it('starts the ingress with a bad SMTP_TIMEOUT_MS, which only the notifier reads', () => {
    expect(loadConfig({ SMTP_TIMEOUT_MS: 'abc' }, { service: 'ingress' })).not.toHaveProperty(
      'smtpTimeoutMs',
    );
    expect(problemsOf({ SMTP_TIMEOUT_MS: 'abc' }, 'notifier')).toEqual([
      'SMTP_TIMEOUT_MS: must be an integer from 1000 to 600000 (milliseconds) (got "abc")',
    ]);
  });

  it('gives each service the variables it uses and no others', () => {
    expect(variablesOf('ingress').map((v) => v.env)).not.toContain('DATABASE_URL');
    expect(variablesOf('identity-sync').map((v) => v.env)).not.toContain('OPS_TOKEN');
    expect(variablesOf('notifier').map((v) => v.env)).toContain('SMTP_TIMEOUT_MS');
  });
});

describe('loadConfig coercion', () => {
  it('turns numeric strings into numbers and parses RETRY_DELAYS_MS', () => {
    const config = loadConfig(
      { DB_POOL_MAX: '25', INGRESS_PORT: '9000', PREFETCH: '7', RETRY_DELAYS_MS: ' 500, 2000 ,30000 ' },
      { service: 'notifier' },
    );
    expect(config.dbPoolMax).toBe(25);
    expect(config.ingressPort).toBe(9000);
    expect(config.prefetch).toBe(7);
    expect(config.retryDelaysMs).toEqual([500, 2000, 30000]);
  });

  it('keeps given secrets and optional values as strings', () => {
    const env = { ...INGRESS_SECRETS, AUTHENTIK_URL: 'https://authentik.example.org', AUTHENTIK_TOKEN: 't' };
    const config = loadConfig(env, { service: 'ingress' });
    expect(config.kratosApiKey).toBe(INGRESS_SECRETS.KRATOS_API_KEY);
    expect(loadConfig(env, { service: 'identity-sync' }).authentikUrl).toBe('https://authentik.example.org');
    expect(config.generatedSecrets).toEqual({});
  });

  it('AUTHENTIK_CONCURRENCY defaults to 8 and accepts 1..256', () => {
    expect(loadConfig({}, { service: 'identity-sync' }).authentikConcurrency).toBe(8);
    expect(
      loadConfig({ AUTHENTIK_CONCURRENCY: '256' }, { service: 'identity-sync' }).authentikConcurrency,
    ).toBe(256);
    for (const bad of ['0', '257', '1.5']) {
      expect(problemsOf({ AUTHENTIK_CONCURRENCY: bad }, 'identity-sync')).toEqual([
        `AUTHENTIK_CONCURRENCY: must be an integer from 1 to 256 (requests in flight) (got "${bad}")`,
      ]);
    }
  });
});

describe('loadConfig problems', () => {
  it('lists every problem at once, one per variable', () => {
    const problems = problemsIn(
      {
        NODE_ENV: 'staging',
        LOG_LEVEL: 'loud',
        AMQP_URL: 'http://broker:5672',
        DATABASE_URL: 'mysql://db/x',
        DB_POOL_MAX: '500',
        INGRESS_PORT: 'eighty',
        OPS_PORT: '70000',
        PREFETCH: '0',
        RETRY_DELAYS_MS: '1000,-5',
        KRATOS_API_KEY_HEADER: 'X Api Key',
      },
      ['ops', 'ingress'],
    );
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      [
        'NODE_ENV',
        'LOG_LEVEL',
        'AMQP_URL',
        'DATABASE_URL',
        'DB_POOL_MAX',
        'INGRESS_PORT',
        'OPS_PORT',
        'PREFETCH',
        'RETRY_DELAYS_MS',
        'KRATOS_API_KEY_HEADER',
      ].sort(),
    );
    expect(problems).toContain('DB_POOL_MAX: must be an integer from 1 to 200 (got "500")');
    expect(problems).toContain('INGRESS_PORT: must be a port number from 0 to 65535 (got "eighty")');
  });

  it('explains bad URLs without echoing values that may hold credentials', () => {
    const problems = problemsOf(
      {
        AMQP_URL: 'postgres://u:hunter2@x',
        DATABASE_URL: 'not a url',
        AUTHENTIK_URL: 'ftp://authentik',
        AUTHENTIK_TOKEN: 't',
        SMTP_URL: 'mail.example.org',
        OIDC_ISSUER: 'issuer',
        OIDC_AUDIENCE: 'ops',
      },
      'ops',
    );
    expect(problems).toEqual([
      'AMQP_URL: must be an amqp:// or amqps:// URL, or a comma-separated list of them (one per cluster node)',
      'DATABASE_URL: must be a postgres:// or postgresql:// URL',
      'AUTHENTIK_URL: must be an http:// or https:// URL (got "ftp://authentik")',
      'SMTP_URL: must be an smtp:// or smtps:// URL',
      'OIDC_ISSUER: must be an http:// or https:// URL (got "issuer")',
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('accepts AMQP_URL as a list of one URL per cluster node', () => {
    const list = 'amqp://relay:pw@rmq-0:5672/ir, amqp://relay:pw@rmq-1:5672/ir,amqp://relay:pw@rmq-2:5672/ir';
    expect(loadConfig({ AMQP_URL: list }, { service: 'cli' }).amqpUrl).toBe(list);
  });

  it('names the bad AMQP_URL entry and the DATABASE_DIRECT_URL without echoing either', () => {
    expect(
      problemsOf({
        AMQP_URL: 'amqp://relay:hunter2@rmq-0:5672/ir,amqp://relay:hunter2@rmq-1:5672 /ir',
        DATABASE_DIRECT_URL: 'mysql://u:hunter2@db/x',
      }),
    ).toEqual([
      'DATABASE_DIRECT_URL: must be a postgres:// or postgresql:// URL',
      'AMQP_URL: entry 2 of 2 is not a valid amqp:// or amqps:// URL',
    ]);
    expect(problemsOf({ AMQP_URL: 'amqp://u:hunter2@a/one,amqp://u:hunter2@b/two' })).toEqual([
      'AMQP_URL: every broker URL must name the same vhost',
    ]);
  });

  it.each([['abc'], ['1000,,2000'], ['0'], ['1.5'], ['1000;2000'], ['-1']])(
    'rejects RETRY_DELAYS_MS=%j',
    (value) => {
      expect(problemsOf({ RETRY_DELAYS_MS: value })).toEqual([
        'RETRY_DELAYS_MS: must be a comma-separated list of positive integers (milliseconds)' +
          ` (got ${JSON.stringify(value)})`,
      ]);
    },
  );

  it('rejects retry delays longer than a day', () => {
    expect(problemsOf({ RETRY_DELAYS_MS: '1000,86400001' })).toEqual([
      'RETRY_DELAYS_MS: each delay must be at most 86400000 ms (one day), got 86400001',
    ]);
  });

  it('requires paired variables together', () => {
    expect(
      problemsIn(
        {
          KRATOS_BASIC_USER: 'kratos',
          AUTHENTIK_TOKEN: 't',
          OIDC_ISSUER: 'https://id.example.org',
        },
        ['ingress', 'ops'],
      ),
    ).toEqual([
      'KRATOS_BASIC_PASSWORD: required when KRATOS_BASIC_USER is set (set both or neither)',
      'AUTHENTIK_URL: required when AUTHENTIK_TOKEN is set (set both or neither)',
      'OIDC_AUDIENCE: required when OIDC_ISSUER is set',
    ]);
  });

  it('checks the console OIDC sign-in variables together: issuer, client id, redirect URL on the callback path', () => {
    expect(problemsOf({ OIDC_CLIENT_ID: 'ops-console', OIDC_SCOPES: 'profile email' }, 'ops')).toEqual([
      'OIDC_ISSUER: required when OIDC_CLIENT_ID is set (console sign-in)',
      'OIDC_REDIRECT_URL: required when OIDC_CLIENT_ID is set (console sign-in)',
      'OIDC_SCOPES: must include openid',
    ]);
    expect(
      problemsOf({ OIDC_REDIRECT_URL: 'https://ops.example.org/callback', OIDC_CLIENT_SECRET: 's' }, 'ops'),
    ).toEqual([
      'OIDC_CLIENT_ID: required when OIDC_REDIRECT_URL is set',
      'OIDC_CLIENT_ID: required when OIDC_CLIENT_SECRET is set',
      "OIDC_REDIRECT_URL: must end with /login/oidc/callback (the console's sign-in callback)",
    ]);
    const ok = {
      OIDC_ISSUER: 'https://id.example.org/application/o/ops/',
      OIDC_AUDIENCE: 'ops-console',
      OIDC_CLIENT_ID: 'ops-console',
      OIDC_REDIRECT_URL: 'https://ops.example.org/login/oidc/callback',
    };
    expect(loadConfig(ok, { service: 'ops' })).toMatchObject({
      oidcClientId: 'ops-console',
      oidcRedirectUrl: ok.OIDC_REDIRECT_URL,
      oidcScopes: 'openid profile email',
    });
    expect(
      problemsOf(
        {
          ...ok,
          NODE_ENV: 'production',
          OPS_TOKEN: 'x'.repeat(8) + 'k3Jd9sQ2mP7vL1zR',
          OIDC_REDIRECT_URL: 'http://ops.example.org/login/oidc/callback',
        },
        'ops',
      ),
    ).toContain('OIDC_REDIRECT_URL: must be an https:// URL in production');
  });

  it('formats the error as one line per problem', () => {
    const error = new ConfigError(['A: bad', 'B: worse']);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('Invalid configuration (2 problems):\n- A: bad\n- B: worse');
    expect(formatConfigError(error)).toContain('.env.example');
  });
});

describe('loadConfig secrets', () => {
  it('refuses missing ingress secrets in production, all listed together', () => {
    expect([...problemsOf({ NODE_ENV: 'production' }, 'ingress')].sort()).toEqual(
      [
        'KRATOS_API_KEY: required in production',
        'HOOKS_API_KEY: required in production',
        'NOTIFY_API_KEY: required in production',
        'AUTHENTIK_WEBHOOK_TOKEN: required in production',
        'UNSUBSCRIBE_SECRET: required in production',
      ].sort(),
    );
  });

  it('requires UNSUBSCRIBE_SECRET and PUBLIC_BASE_URL of the notifier in production', () => {
    expect(problemsOf({ NODE_ENV: 'production' }, 'notifier')).toEqual([
      'PUBLIC_BASE_URL: required in production (the public address of the ingress)',
      'UNSUBSCRIBE_SECRET: required in production',
    ]);
    const env = {
      NODE_ENV: 'production',
      UNSUBSCRIBE_SECRET: 'unsubscribe-key-7e2a9c4f1b8d3056',
      PUBLIC_BASE_URL: 'https://relay.example.org/',
    };
    expect(loadConfig(env, { service: 'notifier' }).publicBaseUrl).toBe('https://relay.example.org');
  });

  it('defaults PUBLIC_BASE_URL to the local ingress outside production', () => {
    expect(loadConfig({ INGRESS_PORT: '9090' }, { service: 'notifier' }).publicBaseUrl).toBe(
      'http://localhost:9090',
    );
  });

  it('starts in production when the secrets are given', () => {
    const config = loadConfig({ NODE_ENV: 'production', ...INGRESS_SECRETS }, { service: 'ingress' });
    expect(config.hooksApiKey).toBe(INGRESS_SECRETS.HOOKS_API_KEY);
    expect(config.generatedSecrets).toEqual({});
  });

  it('requires OPS_TOKEN in production unless OIDC is configured', () => {
    expect(problemsOf({ NODE_ENV: 'production' }, 'ops')).toEqual(['OPS_TOKEN: required in production']);
    const oidc = { NODE_ENV: 'production', OIDC_ISSUER: 'https://id.example.org', OIDC_AUDIENCE: 'ops' };
    expect(loadConfig(oidc, { service: 'ops' }).opsToken).toBeUndefined();
  });

  it('refuses http:// OIDC issuer and JWKS URLs in production, both listed', () => {
    const env = {
      NODE_ENV: 'production',
      OPS_TOKEN: 'x'.repeat(32),
      OIDC_ISSUER: 'http://id.example.org',
      OIDC_AUDIENCE: 'ops',
      OIDC_JWKS_URL: 'http://id.example.org/jwks',
    };
    expect(problemsOf(env, 'ops')).toEqual(
      expect.arrayContaining([
        'OIDC_ISSUER: must be an https:// URL in production',
        'OIDC_JWKS_URL: must be an https:// URL in production',
      ]),
    );
    expect(loadConfig({ ...env, NODE_ENV: 'development' }, { service: 'ops' }).oidcIssuer).toBe(
      'http://id.example.org',
    );
  });

  it('reads TRUST_PROXY as a hop count or a list of proxies, and refuses anything else', () => {
    expect(loadConfig({}, { service: 'ops' }).trustProxy).toBeUndefined();
    expect(loadConfig({ TRUST_PROXY: '1' }, { service: 'ops' }).trustProxy).toBe('1');
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }, { service: 'ops' }).trustProxy).toBe(
      'loopback, 10.0.0.0/8',
    );
    expect(problemsOf({ TRUST_PROXY: 'everyone!' }, 'ops')[0]).toMatch(
      /^TRUST_PROXY: must be a number of proxy hops/,
    );
  });

  it('accepts Kratos HTTP basic instead of an API key', () => {
    const env = {
      ...INGRESS_SECRETS,
      NODE_ENV: 'production',
      KRATOS_BASIC_USER: 'kratos',
      KRATOS_BASIC_PASSWORD: 'basic-password-5c8e1b4d7a0f3926',
    };
    delete (env as Env).KRATOS_API_KEY;
    expect(loadConfig(env, { service: 'ingress' }).kratosApiKey).toBeUndefined();
  });

  it('generates missing secrets in development and test, and lists them', () => {
    for (const NODE_ENV of ['development', 'test']) {
      const config = loadConfig({ NODE_ENV, HOOKS_API_KEY: 'given' }, { service: 'ingress' });
      expect(Object.keys(config.generatedSecrets).sort()).toEqual(
        ['AUTHENTIK_WEBHOOK_TOKEN', 'KRATOS_API_KEY', 'NOTIFY_API_KEY', 'UNSUBSCRIBE_SECRET'].sort(),
      );
      expect(config.hooksApiKey).toBe('given');
      expect(config.kratosApiKey).toBe(config.generatedSecrets.KRATOS_API_KEY);
      for (const value of Object.values(config.generatedSecrets))
        expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(formatGeneratedSecrets(config)).toContain(`NOTIFY_API_KEY=${config.notifyApiKey}`);
    }
  });

  it('generates different secrets on each load', () => {
    const a = loadConfig({}, { service: 'ops' }).generatedSecrets.OPS_TOKEN;
    const b = loadConfig({}, { service: 'ops' }).generatedSecrets.OPS_TOKEN;
    expect(a).not.toBe(b);
  });

  it('generates nothing for services without required secrets', () => {
    for (const service of ['identity-sync', 'subscribers', 'cli'] as const) {
      expect(loadConfig({ NODE_ENV: 'production' }, { service }).generatedSecrets).toEqual({});
    }
  });
});

describe('loadConfig refuses weak secrets in production', () => {
  const PRODUCTION = { NODE_ENV: 'production', ...INGRESS_SECRETS };

  it('lists every placeholder and short secret at once, without echoing them', () => {
    const problems = problemsIn(
      {
        ...PRODUCTION,
        KRATOS_API_KEY: 'change-me',
        HOOKS_API_KEY: 'k3y-9Qz',
        NOTIFY_API_KEY: 'Change-Me-Notify-Key-For-Production',
        AUTHENTIK_WEBHOOK_TOKEN: 'secret',
        OPS_TOKEN: 'password',
        KRATOS_WEBHOOK_SECRET: 'whsec_c2hvcnQ=',
      },
      ['ingress', 'ops'],
    );
    expect(problems).toEqual([
      'KRATOS_API_KEY: is a known placeholder; set a secret of your own',
      'KRATOS_WEBHOOK_SECRET: must be at least 24 characters in production',
      'AUTHENTIK_WEBHOOK_TOKEN: is a known placeholder; set a secret of your own',
      'HOOKS_API_KEY: must be at least 24 characters in production',
      'NOTIFY_API_KEY: is a known placeholder; set a secret of your own',
      'OPS_TOKEN: is a known placeholder; set a secret of your own',
    ]);
    expect(problems.join('\n')).not.toMatch(/Change-Me-Notify|c2hvcnQ/);
  });

  it('refuses the values the Helm chart and Compose file used to ship', () => {
    expect(problemsOf({ NODE_ENV: 'production', OPS_TOKEN: 'change-me' }, 'ops')).toEqual([
      'OPS_TOKEN: is a known placeholder; set a secret of your own',
    ]);
    expect(problemsOf({ ...PRODUCTION, KRATOS_API_KEY: 'change-me-kratos-key' }, 'ingress')).toEqual([
      'KRATOS_API_KEY: is a known placeholder; set a secret of your own',
    ]);
  });

  it('refuses placeholder passwords inside URLs but not a real one', () => {
    const problems = problemsIn(
      {
        ...PRODUCTION,
        OPS_TOKEN: 'ops-token-5c8e1a4d7b2f9063',
        AMQP_URL: 'amqp://identity-relay:change-me@rabbitmq:5672',
        DATABASE_URL: 'postgresql://identity_relay:change-me@postgres:5432/identity_relay',
      },
      ['ingress', 'ops'],
    );
    expect(problems).toEqual([
      'AMQP_URL: the password in the URL is a known placeholder; set one of your own',
      'DATABASE_URL: the password in the URL is a known placeholder; set one of your own',
    ]);
    const config = loadConfig(
      { ...PRODUCTION, AMQP_URL: 'amqp://relay:Gq7%40pL2x@rabbitmq:5672' },
      { service: 'ingress' },
    );
    expect(config.amqpUrl).toContain('rabbitmq');
  });

  it('accepts the same weak values outside production (local development)', () => {
    const config = loadConfig(
      { NODE_ENV: 'development', KRATOS_API_KEY: 'change-me' },
      { service: 'ingress' },
    );
    expect(config.kratosApiKey).toBe('change-me');
  });
});

describe('announceGeneratedSecrets', () => {
  const config = loadConfig({}, { service: 'ops' });
  const token = config.generatedSecrets.OPS_TOKEN!;

  it('prints generated values to a terminal only', () => {
    const written: string[] = [];
    const warned: unknown[] = [];
    announceGeneratedSecrets(
      config,
      { warn: (obj) => warned.push(obj) },
      { isTerminal: true, write: (t) => written.push(t) },
    );
    expect(written).toEqual([`generated OPS_TOKEN=${token}\n`]);
    expect(warned).toEqual([]);
  });

  it('logs only the names when the output is not a terminal (container logs keep no key)', () => {
    const written: string[] = [];
    const lines: string[] = [];
    announceGeneratedSecrets(
      config,
      { warn: (obj, msg) => lines.push(JSON.stringify(obj) + msg) },
      { isTerminal: false, write: (t) => written.push(t) },
    );
    expect(written).toEqual([]);
    expect(lines.join()).toContain('OPS_TOKEN');
    expect(lines.join()).not.toContain(token);
  });
});

describe('loadConfigOrExit', () => {
  it('prints every problem and exits 1', () => {
    const lines: string[] = [];
    const exit = (code: number): never => {
      throw new Error(`exit ${code}`);
    };
    expect(() =>
      loadConfigOrExit({ PREFETCH: 'x', OPS_PORT: '-1' }, { service: 'ops', exit }, (l) => lines.push(l)),
    ).toThrow('exit 1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('\n- OPS_PORT: must be a port number');
    expect(lines[0]).toContain('\n- PREFETCH: must be an integer');
  });

  it('covers every variable in the table exactly once', () => {
    const names = ALL_VARIABLES.map((v) => v.env);
    expect(new Set(names).size).toBe(names.length);
    for (const service of SERVICE_NAMES) {
      const own = variablesOf(service).map((v) => v.env);
      expect(new Set(own).size, service).toBe(own.length);
    }
  });
});
