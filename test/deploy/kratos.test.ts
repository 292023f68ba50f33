/**
 * infra/kratos: the hook fragment against Kratos' own configuration schema (the vendored subset in
 * schemas/kratos-selfservice-after.schema.json), the identity schema as a JSON Schema against the
 * contracts fixtures, and agreement with the ingress's routes and Compose's key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { educatorIdentity, kratosIdentities } from '@identity-relay/contracts/fixtures';
import { variableDefault } from './config-variables.js';
import { repoPath } from './repo.js';
import { createAjv, describeErrors, readJson } from './schema-validator.js';

interface WebHook {
  hook: 'web_hook';
  config: {
    url: string;
    method: string;
    body: string;
    auth: { type: string; config: { name: string; value: string; in: string } };
    response?: { parse?: boolean; ignore?: boolean };
  };
}
type Hook = WebHook | { hook: string };
interface Flows {
  registration: { after: Record<string, { hooks: Hook[] }> };
  settings: { after: Record<string, { hooks: Hook[] }> };
  verification: { after: { hooks: Hook[] } };
  recovery: { after: { hooks: Hook[] } };
}

const fragment = parse(readFileSync(repoPath('infra/kratos/identity-relay.kratos.yml'), 'utf8')) as {
  selfservice: { flows: Flows };
};
const flows = fragment.selfservice.flows;
const webHooks = (hooks: Hook[]): WebHook[] => hooks.filter((h): h is WebHook => h.hook === 'web_hook');
const path = (hook: WebHook): string => new URL(hook.config.url).pathname;
/** Every hook list of the fragment: per registration and settings method, verification and recovery. */
const allHookLists = (): Hook[][] => [
  ...Object.values(flows.registration.after).map((m) => m.hooks),
  ...Object.values(flows.settings.after).map((m) => m.hooks),
  flows.verification.after.hooks,
  flows.recovery.after.hooks,
];

describe('infra/kratos/identity-relay.kratos.yml', () => {
  it("is valid against Kratos' configuration schema for registration, settings, verification and recovery after", () => {
    const validate = createAjv('07').compile(
      readJson('test/deploy/schemas/kratos-selfservice-after.schema.json'),
    );
    const subject = {
      registration_after: flows.registration.after,
      settings_after: flows.settings.after,
      verification_after: flows.verification.after,
      recovery_after: flows.recovery.after,
    };
    expect(validate(subject), describeErrors(validate)).toBe(true);
    // The vendored schema rejects what Kratos rejects: ignore and parse together.
    const both = structuredClone(subject);
    const first = both.registration_after.password!.hooks[0] as WebHook;
    first.config.response = { parse: true, ignore: true };
    expect(validate(both)).toBe(false);
    // …and a hook that the recovery flow does not run after (session issuing).
    const recovery = structuredClone(subject);
    recovery.recovery_after.hooks.push({ hook: 'session' });
    expect(validate(recovery)).toBe(false);
  });

  it('validates registrations before they are stored, then syncs them, then issues the session', () => {
    for (const method of ['password', 'oidc', 'code', 'passkey', 'webauthn']) {
      const hooks = flows.registration.after[method]!.hooks;
      expect(hooks.map((h) => (h.hook === 'web_hook' ? path(h as WebHook) : h.hook))).toEqual([
        '/kratos/validate-registration',
        '/kratos/sync-identity',
        'session',
      ]);
      const [validateHook, syncHook] = webHooks(hooks);
      expect(validateHook!.config.response?.parse).toBe(true);
      expect(syncHook!.config.response?.parse).toBe(false);
      expect(syncHook!.config.response?.ignore).toBe(false);
    }
  });

  it('syncs identities after settings of every method, verification (the verified flag) and recovery', () => {
    const methods = ['profile', 'password', 'oidc', 'totp', 'webauthn', 'passkey', 'lookup_secret'];
    expect(Object.keys(flows.settings.after).sort()).toEqual([...methods].sort());
    for (const method of methods) {
      expect(webHooks(flows.settings.after[method]!.hooks).map(path), method).toEqual([
        '/kratos/sync-identity',
      ]);
    }
    expect(webHooks(flows.verification.after.hooks).map(path)).toEqual(['/kratos/sync-identity']);
    expect(webHooks(flows.recovery.after.hooks).map(path)).toEqual(['/kratos/sync-identity']);
  });

  it("authenticates with the ingress's API key header and the key Compose gives the ingress", () => {
    const compose = readFileSync(repoPath('docker-compose.yml'), 'utf8');
    const composeKey = /KRATOS_API_KEY: \$\{KRATOS_API_KEY:-([^}]+)\}/.exec(compose)?.[1];
    for (const hook of allHookLists().flatMap(webHooks)) {
      expect(hook.config.method).toBe('POST');
      expect(hook.config.auth).toEqual({
        type: 'api_key',
        config: { name: variableDefault('KRATOS_API_KEY_HEADER'), value: composeKey, in: 'header' },
      });
      expect(hook.config.url).toMatch(/^http:\/\/ingress:8080\//);
    }
  });

  it('points every body at a jsonnet mapper that exists in infra/kratos', () => {
    for (const hook of allHookLists().flatMap(webHooks)) {
      const file = hook.config.body.replace('file:///etc/config/kratos/', 'infra/kratos/');
      expect(existsSync(repoPath(file)), file).toBe(true);
      expect(readFileSync(repoPath(file), 'utf8')).toMatch(/function\(ctx\) \{\n\s+identity: ctx\.identity,/);
    }
  });
});

describe('infra/kratos/identity.schema.json', () => {
  const schema = readJson('infra/kratos/identity.schema.json');
  // `ory.sh/kratos` is Kratos' extension keyword: ajv (strict off) ignores it, as any validator would.
  const validate = createAjv('07').compile(schema);
  const ofTraits = (traits: unknown): { traits: unknown } => ({ traits });

  it('accepts the traits of every edu-user fixture (email trimmed, as Kratos would receive it)', () => {
    const eduFixtures = Object.values(kratosIdentities).filter(
      (identity) => identity.schema_id === 'edu-user',
    );
    expect(eduFixtures.length).toBeGreaterThan(0);
    for (const identity of eduFixtures) {
      const traits = { ...(identity.traits as Record<string, unknown>) };
      traits.email = String(traits.email).trim();
      expect(validate(ofTraits(traits)), describeErrors(validate)).toBe(true);
    }
  });

  it('restricts user_type to educator or student and requires it with the email', () => {
    const base = { email: 'ada@example.edu', name: { first: 'Ada', last: 'Lovelace' } };
    expect(validate(ofTraits({ ...base, user_type: 'student' }))).toBe(true);
    expect(validate(ofTraits({ ...base, user_type: 'admin' }))).toBe(false);
    expect(validate(ofTraits(base))).toBe(false);
    expect(validate(ofTraits({ user_type: 'educator' }))).toBe(false);
    expect(validate(ofTraits({ ...base, user_type: 'educator', role: 'x' }))).toBe(false);
  });

  it('rejects the padded address of the educator fixture, so ingress normalisation is defence in depth', () => {
    expect(validate(ofTraits(educatorIdentity.traits))).toBe(false);
  });

  it('marks the email as the password identifier and the verification and recovery address', () => {
    const email = (schema as { properties: { traits: { properties: { email: Record<string, unknown> } } } })
      .properties.traits.properties.email;
    expect(email['ory.sh/kratos']).toEqual({
      credentials: { password: { identifier: true } },
      verification: { via: 'email' },
      recovery: { via: 'email' },
    });
  });
});
