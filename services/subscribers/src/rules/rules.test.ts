import type { CanonicalIdentity } from '@identity-relay/contracts';
import { describe, expect, test } from 'vitest';
import { evaluate, fieldValue, isDeliverableEmail, listsOf } from './evaluate.js';
import { defaultRules, parseRules, RulesError } from './load.js';

const identity = (over: Partial<CanonicalIdentity> = {}): CanonicalIdentity => ({
  provider: 'kratos',
  externalId: 'k1',
  email: 'ada@school.edu',
  username: null,
  emailVerified: false,
  state: 'active',
  traits: { type: 'educator', user_type: 'student', profile: { roles: ['teacher', 'admin'] } },
  sourceUpdatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('conditions', () => {
  test('read fields and nested traits', () => {
    expect(fieldValue(identity(), 'state')).toBe('active');
    expect(fieldValue(identity(), 'traits.profile.roles')).toEqual(['teacher', 'admin']);
    expect(fieldValue(identity(), 'traits.missing.deeper')).toBeUndefined();
  });
  test('equals, in, exists and their combinations', () => {
    const i = identity();
    expect(evaluate({ field: 'traits.type', equals: 'educator' }, i)).toBe(true);
    expect(evaluate({ field: 'traits.profile.roles', equals: 'admin' }, i)).toBe(true);
    expect(evaluate({ field: 'traits.user_type', in: ['educator', 'staff'] }, i)).toBe(false);
    expect(evaluate({ field: 'username', exists: false }, i)).toBe(true);
    expect(
      evaluate(
        { all: [{ field: 'state', equals: 'active' }, { not: { field: 'emailVerified', equals: true } }] },
        i,
      ),
    ).toBe(true);
    expect(
      evaluate(
        {
          any: [
            { field: 'provider', equals: 'authentik' },
            { field: 'traits.x', exists: true },
          ],
        },
        i,
      ),
    ).toBe(false);
  });
});

describe('listsOf', () => {
  test('the built-in rule reads the configured trait', () => {
    expect(listsOf(defaultRules('type'), identity())).toEqual(['educators']);
    expect(listsOf(defaultRules('user_type'), identity())).toEqual([]);
  });
  test('requireVerifiedEmail, deletion and undeliverable addresses keep identities out', () => {
    const rules = [
      { list: 'educators', when: { field: 'traits.type', equals: 'educator' }, requireVerifiedEmail: true },
    ];
    expect(listsOf(rules, identity())).toEqual([]);
    expect(listsOf(rules, identity({ emailVerified: true }))).toEqual(['educators']);
    expect(listsOf(rules, null)).toEqual([]);
    expect(listsOf(defaultRules('type'), identity({ email: 'a@b.org\r\nBcc: x@y.org' }))).toEqual([]);
  });
  test('an emailDomain condition holds only for a verified address of that domain', () => {
    const teachers = [{ list: 'teachers', when: { emailDomain: ['school.edu', '*.district.org'] } }];
    // Anyone can type ada@school.edu: until the IdP verified it, it proves nothing.
    expect(listsOf(teachers, identity())).toEqual([]);
    expect(listsOf(teachers, identity({ emailVerified: true }))).toEqual(['teachers']);
    expect(listsOf(teachers, identity({ emailVerified: true, email: 'Ada@School.EDU' }))).toEqual([
      'teachers',
    ]);
    expect(listsOf(teachers, identity({ emailVerified: true, email: 'ada@north.district.org' }))).toEqual([
      'teachers',
    ]);
    for (const email of ['ada@district.org', 'ada@school.edu.evil.org', 'ada@notschool.edu'])
      expect(listsOf(teachers, identity({ emailVerified: true, email })), email).toEqual([]);
    expect(evaluate({ emailDomain: 'school.edu' }, identity({ emailVerified: true, email: null }))).toBe(
      false,
    );
  });
  test('header-unsafe addresses are refused', () => {
    expect(isDeliverableEmail('ada@school.edu')).toBe(true);
    for (const bad of ['ada', 'a b@c.de', 'a@b', 'a@b.c\n', '<a@b.c>', 'a,b@c.de', null])
      expect(isDeliverableEmail(bad)).toBe(false);
  });
});

describe('parseRules', () => {
  test('accepts YAML and JSON', () => {
    const yaml =
      'lists:\n  - list: educators\n    requireVerifiedEmail: true\n    when:\n      all:\n        - field: traits.user_type\n          in: [educator, teacher]\n        - field: state\n          equals: active\n';
    expect(parseRules(yaml, 'rules.yaml')[0]).toMatchObject({
      list: 'educators',
      requireVerifiedEmail: true,
    });
    expect(
      parseRules('{"lists":[{"list":"all-users","when":{"field":"email","exists":true}}]}', 'r.json'),
    ).toHaveLength(1);
    expect(
      parseRules(
        'lists:\n  - { list: teachers, when: { emailDomain: [school.edu, "*.example.org"] } }\n',
        'r.yaml',
      )[0],
    ).toMatchObject({ when: { emailDomain: ['school.edu', '*.example.org'] } });
  });
  test.each([
    ['not YAML', 'lists: [', /not valid YAML/],
    [
      'unknown field',
      'lists:\n  - list: a\n    when: { field: password, equals: x }\n',
      /must match pattern/,
    ],
    [
      'bad list name',
      'lists:\n  - list: "Bad Name"\n    when: { field: email, exists: true }\n',
      /\/lists\/0\/list/,
    ],
    ['missing when', 'lists:\n  - list: a\n', /\/lists\/0\/when: is required/],
    ['bad domain', 'lists:\n  - { list: a, when: { emailDomain: "school edu" } }\n', /emailDomain/],
    [
      'duplicate list',
      'lists:\n  - { list: a, when: { field: email, exists: true } }\n  - { list: a, when: { field: state, equals: active } }\n',
      /list defined twice: a/,
    ],
  ])('refuses %s with a clear message', (_name, text, message) => {
    let error: unknown;
    try {
      parseRules(text, 'rules.yaml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RulesError);
    expect((error as RulesError).code).toBe('RULES_INVALID');
    expect((error as RulesError).message).toMatch(/^Invalid subscriber rules in rules.yaml:/);
    expect((error as RulesError).message).toMatch(message);
  });
});
