import { RE2JS } from 're2js';
import { domainMatchesAny as anyMatch, emailDomainOf } from '@identity-relay/contracts';
import type { Policy } from './schema.js';

/** The stable refusal codes (seed 004's `code`), also mapped to Kratos message ids. */
export type RefusalCode =
  'invalid-email' | 'domain-not-allowed' | 'domain-blocked' | 'invalid-username' | 'missing-trait';

export interface Refusal {
  code: RefusalCode;
  /** A human message, safe to show to the person signing up. */
  message: string;
  /** The trait the refusal is about (`email`, `username`, or the missing trait's name). */
  field: string;
}

/** What the policy is applied to: the email, username and traits of a signup or login. */
export interface PolicySubject {
  email?: unknown;
  username?: unknown;
  traits: Record<string, unknown>;
  /**
   * The IdP has verified that the person controls `email` (Kratos: a verified `verifiable_addresses` entry for it;
   * hooks: `data.email_verified`). Roles granted by email domain need it: anyone can type `x@school.edu`.
   */
  emailVerified?: boolean;
}

export type PolicyDecision = { ok: true; roles: string[] } | ({ ok: false } & Refusal);

/** A compiled username pattern: `test` says whether the pattern matches somewhere in the text. */
export interface UsernamePattern {
  test(text: string): boolean;
}

/** Compiled form of a policy. */
export interface CompiledPolicy {
  policy: Policy;
  usernamePattern?: UsernamePattern;
}

const MAX_USERNAME = 256;

/**
 * An operator's pattern compiled with RE2 (re2js): matching takes time linear in the username whatever the
 * pattern, so `^([a-z0-9]+_?)+$` against `aaaa…!` — 18 s of backtracking in JavaScript's engine — is instant.
 * RE2 has no backreferences or lookaround; such patterns are refused when the policy loads.
 * @throws Error saying what RE2 cannot parse.
 */
export function compileUsernamePattern(pattern: string): UsernamePattern {
  const re = RE2JS.compile(pattern);
  return { test: (text) => re.matcher(text).find() };
}

export function compilePolicy(policy: Policy): CompiledPolicy {
  const pattern = policy.username?.pattern;
  return { policy, usernamePattern: pattern === undefined ? undefined : compileUsernamePattern(pattern) };
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function checkEmail(policy: Policy, email: unknown): Refusal | string | null {
  if (isEmpty(email)) return null;
  const domain = typeof email === 'string' ? emailDomainOf(email.trim()) : null;
  // Without an `email` section the policy says nothing about addresses (the IdP validates them).
  if (!policy.email) return domain;
  if (!domain) return { code: 'invalid-email', field: 'email', message: 'The email address is not valid.' };
  if (anyMatch(domain, policy.email?.blockDomains)) {
    return {
      code: 'domain-blocked',
      field: 'email',
      message: `Email addresses at ${domain} are not accepted.`,
    };
  }
  const allow = policy.email?.allowDomains ?? [];
  if (allow.length > 0 && !anyMatch(domain, allow)) {
    return {
      code: 'domain-not-allowed',
      field: 'email',
      message: `Only email addresses at ${allow.join(', ')} may sign up.`,
    };
  }
  return domain;
}

function checkUsername(compiled: CompiledPolicy, username: unknown): Refusal | null {
  if (isEmpty(username) || !compiled.usernamePattern) return null;
  const ok =
    typeof username === 'string' &&
    username.length <= MAX_USERNAME &&
    compiled.usernamePattern.test(username);
  return ok
    ? null
    : {
        code: 'invalid-username',
        field: 'username',
        message: 'The username does not match the required format.',
      };
}

function traitMatches(actual: unknown, expected: string | number | boolean): boolean {
  return Array.isArray(actual) ? actual.includes(expected) : actual === expected;
}

function grantedRoles(
  policy: Policy,
  domain: string | null,
  traits: Record<string, unknown>,
  emailVerified: boolean,
): string[] {
  const roles = new Set<string>();
  for (const rule of policy.roles ?? []) {
    const when = rule.when ?? {};
    if (when.emailDomain !== undefined) {
      // An unverified address proves nothing about its domain: no domain role until the IdP verified it.
      if (!emailVerified) continue;
      const rules = Array.isArray(when.emailDomain) ? when.emailDomain : [when.emailDomain];
      if (!domain || !anyMatch(domain, rules)) continue;
    }
    if (when.trait && !Object.entries(when.trait).every(([k, v]) => traitMatches(traits[k], v))) continue;
    for (const role of rule.grant) roles.add(role);
  }
  return [...roles];
}

/**
 * Applies the policy: required traits first (unless `requireTraits: false`), then the email (validity, blocked, allowed), then the username.
 * The first refusal wins; with none, the roles whose conditions all hold are granted.
 */
export function evaluatePolicy(
  compiled: CompiledPolicy,
  subject: PolicySubject,
  opts: { requireTraits?: boolean } = {},
): PolicyDecision {
  const { policy } = compiled;
  // A login carries credentials, not the profile: required traits apply to signups only.
  const required = opts.requireTraits === false ? [] : (policy.traits?.required ?? []);
  for (const trait of required) {
    if (isEmpty(subject.traits[trait])) {
      return { ok: false, code: 'missing-trait', field: trait, message: `${trait} is required.` };
    }
  }
  const email = checkEmail(policy, subject.email);
  if (email !== null && typeof email === 'object') return { ok: false, ...email };
  const username = checkUsername(compiled, subject.username);
  if (username) return { ok: false, ...username };
  return { ok: true, roles: grantedRoles(policy, email, subject.traits, subject.emailVerified === true) };
}
