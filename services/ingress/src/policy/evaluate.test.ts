import { describe, expect, test } from 'vitest';
import { domainMatches } from '@identity-relay/contracts';
import { compilePolicy, evaluatePolicy } from './evaluate.js';
import { parsePolicy } from './store.js';

// The example policy, plus required traits.
const POLICY = parsePolicy(
  `
email: { allowDomains: [school.edu, "*.example.org"], blockDomains: [mailinator.com, "bad.example.org"] }
username: { pattern: "^[a-z0-9_]{3,32}$" }
traits: { required: [user_type] }
roles:
  - { grant: [teacher], when: { emailDomain: school.edu } }
  - { grant: [merchant], when: { trait: { type: merchant } } }
  - { grant: [teacher, staff], when: { emailDomain: "*.example.org", trait: { user_type: educator } } }
`,
  'test',
);

const subject = (traits: Record<string, unknown>) => ({
  email: traits.email,
  username: traits.username,
  traits,
});

const verified = (traits: Record<string, unknown>) => ({ ...subject(traits), emailVerified: true });

describe('evaluatePolicy', () => {
  test('allowed domain, valid username, verified address: accepted with the matching roles', () => {
    expect(
      evaluatePolicy(POLICY, verified({ email: 'ada@school.edu', username: 'ada_l', user_type: 'educator' })),
    ).toEqual({ ok: true, roles: ['teacher'] });
    expect(
      evaluatePolicy(POLICY, verified({ email: 'a@x.example.org', user_type: 'educator', type: 'merchant' })),
    ).toEqual({
      ok: true,
      roles: ['merchant', 'teacher', 'staff'],
    });
  });

  test('an address nobody verified grants no domain role (trait roles still apply); the signup is not refused', () => {
    expect(evaluatePolicy(POLICY, subject({ email: 'mallory@school.edu', user_type: 'educator' }))).toEqual({
      ok: true,
      roles: [],
    });
    expect(
      evaluatePolicy(POLICY, subject({ email: 'a@x.example.org', user_type: 'educator', type: 'merchant' })),
    ).toEqual({ ok: true, roles: ['merchant'] });
  });

  test.each([
    [{ email: 'not-an-email', user_type: 'x' }, 'invalid-email', 'email'],
    [{ email: 42, user_type: 'x' }, 'invalid-email', 'email'],
    [{ email: 'a@gmail.com', user_type: 'x' }, 'domain-not-allowed', 'email'],
    [{ email: 'a@example.org', user_type: 'x' }, 'domain-not-allowed', 'email'],
    [{ email: 'a@evil-school.edu', user_type: 'x' }, 'domain-not-allowed', 'email'],
    [{ email: 'a@MAILINATOR.com', user_type: 'x' }, 'domain-blocked', 'email'],
    [{ email: 'a@bad.example.org', user_type: 'x' }, 'domain-blocked', 'email'],
    [{ email: 'a@school.edu', username: 'No Spaces', user_type: 'x' }, 'invalid-username', 'username'],
    [{ email: 'a@school.edu', username: ['x'], user_type: 'x' }, 'invalid-username', 'username'],
    [{ email: 'a@school.edu' }, 'missing-trait', 'user_type'],
    [{ email: 'a@school.edu', user_type: '  ' }, 'missing-trait', 'user_type'],
  ])('%j is refused with %s', (traits, code, field) => {
    const decision = evaluatePolicy(POLICY, subject(traits));
    expect(decision).toMatchObject({ ok: false, code, field });
    expect(decision.ok === false && decision.message.length > 0).toBe(true);
  });

  test('logins skip required traits', () => {
    expect(evaluatePolicy(POLICY, subject({ email: 'a@school.edu' }), { requireTraits: false }).ok).toBe(
      true,
    );
  });

  test('no policy allows everything and grants nothing', () => {
    expect(evaluatePolicy(compilePolicy({}), subject({ email: 'whatever', username: '!' }))).toEqual({
      ok: true,
      roles: [],
    });
  });

  test('domain rules: exact is exact, *.x matches subdomains only, case-insensitive', () => {
    expect(domainMatches('school.edu', 'School.EDU')).toBe(true);
    expect(domainMatches('a.b.example.org', '*.example.org')).toBe(true);
    expect(domainMatches('example.org', '*.example.org')).toBe(false);
    expect(domainMatches('badexample.org', '*.example.org')).toBe(false);
  });
});

describe('parsePolicy', () => {
  test('JSON works too; an empty document is the empty policy', () => {
    expect(
      parsePolicy('{"email": {"blockDomains": ["x.com"]}}', 'p.json').policy.email?.blockDomains,
    ).toEqual(['x.com']);
    expect(parsePolicy('', 'empty').policy).toEqual({});
  });

  test.each([
    ['unknown key', 'emails: {}', 'POLICY_INVALID'],
    ['bad domain', 'email: { allowDomains: ["a b"] }', 'POLICY_INVALID'],
    ['grant missing', 'roles: [{ when: { emailDomain: x.com } }]', 'POLICY_INVALID'],
    ['bad regex', 'username: { pattern: "([a-z" }', 'POLICY_INVALID'],
    ['a backreference (not linear-time)', 'username: { pattern: "^(a+)\\\\1$" }', 'POLICY_INVALID'],
    ['a lookahead (not linear-time)', 'username: { pattern: "^(?=.*[0-9])[a-z0-9]+$" }', 'POLICY_INVALID'],
    ['not YAML', 'email: [unclosed', 'POLICY_SYNTAX'],
  ])('%s is refused', (_name, text, code) => {
    expect(() => parsePolicy(text, 'p.yaml')).toThrow(expect.objectContaining({ code }));
  });
});

describe('username.pattern runs in linear time', () => {
  const evil = parsePolicy('username: { pattern: "^([a-z0-9]+_?)+$" }', 'evil.yaml');

  test('the catastrophic-backtracking pattern still decides correctly', () => {
    expect(evaluatePolicy(evil, { username: 'ada_lovelace', traits: {} })).toMatchObject({ ok: true });
    expect(evaluatePolicy(evil, { username: 'ada lovelace', traits: {} })).toMatchObject({
      ok: false,
      code: 'invalid-username',
    });
  });

  test("'a' x 29 + '!' (18 s of backtracking in JavaScript's engine) is refused at once — guard: under 1 s", () => {
    for (const username of ['a'.repeat(29) + '!', 'a'.repeat(256) + '!', 'a_'.repeat(128) + '!']) {
      const started = performance.now();
      const decision = evaluatePolicy(evil, { username, traits: {} });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(decision).toMatchObject({ ok: false, code: 'invalid-username' });
    }
  });
});
