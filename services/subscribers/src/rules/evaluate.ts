import { domainMatchesAny, emailDomainOf, type CanonicalIdentity } from '@identity-relay/contracts';
import type { Condition, ListRule } from './types.js';

/** Reads `email`, `state`, ... or `traits.a.b` from an identity; undefined when absent. */
export function fieldValue(identity: CanonicalIdentity, path: string): unknown {
  const [head, ...rest] = path.split('.');
  if (head !== 'traits')
    return rest.length === 0 ? (identity as unknown as Record<string, unknown>)[head ?? ''] : undefined;
  let value: unknown = identity.traits;
  for (const key of rest) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key))
      return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Strings compare case-sensitively; a trait holding an array matches when any element does. */
function matches(value: unknown, wanted: unknown): boolean {
  if (Array.isArray(value)) return value.some((v) => v === wanted);
  return value === wanted;
}

export function evaluate(condition: Condition, identity: CanonicalIdentity): boolean {
  if ('all' in condition) return condition.all.every((c) => evaluate(c, identity));
  if ('any' in condition) return condition.any.some((c) => evaluate(c, identity));
  if ('not' in condition) return !evaluate(condition.not, identity);
  if ('emailDomain' in condition) return verifiedDomainMatches(identity, condition.emailDomain);
  const value = fieldValue(identity, condition.field);
  if ('equals' in condition) return matches(value, condition.equals);
  if ('in' in condition) return condition.in.some((wanted) => matches(value, wanted));
  return (value !== undefined && value !== null) === condition.exists;
}

/** The identity's address is verified and its domain is one of `rules`: the only proof of belonging to a domain. */
function verifiedDomainMatches(identity: CanonicalIdentity, rules: string | string[]): boolean {
  if (!identity.emailVerified || identity.email === null) return false;
  const domain = emailDomainOf(identity.email.trim());
  return domain !== null && domainMatchesAny(domain, Array.isArray(rules) ? rules : [rules]);
}

/**
 * Header-safe address check. Addresses become `To:` headers and SMTP `RCPT TO`, so anything with
 * whitespace, control characters or address-list syntax is refused rather than escaped.
 */
export function isDeliverableEmail(email: string | null): email is string {
  if (email === null || email.length > 254 || hasControlCharacter(email)) return false;
  return /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:".]+(\.[^\s@<>()[\]\\,;:".]+)+$/u.test(email);
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** The address stored and mailed: trimmed and lower-cased so one person is one row per list. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The lists an identity belongs to. A deleted identity, or one without a deliverable email, belongs to
 * none; `requireVerifiedEmail` rules also need `emailVerified`.
 */
export function listsOf(rules: readonly ListRule[], identity: CanonicalIdentity | null): string[] {
  if (!identity || !isDeliverableEmail(identity.email)) return [];
  const lists = rules
    .filter((r) => (!r.requireVerifiedEmail || identity.emailVerified) && evaluate(r.when, identity))
    .map((r) => r.list);
  return [...new Set(lists)];
}
