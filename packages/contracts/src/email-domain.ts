/*
 * E-mail domains as the ingress's sign-up policy and the subscribers' list rules match them, in one place so a
 * domain condition means the same at sign-up and once the address is verified.
 */

const EMAIL = /^[^\s@"<>()[\]\\,;:]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$/;
const MAX_EMAIL = 254;

/** JSON Schema pattern of a domain condition: `school.edu`, or `*.example.org` for its subdomains. */
export const EMAIL_DOMAIN_RULE_PATTERN = '^(\\*\\.)?[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.?$';

/** The lower-cased domain of a valid address, or null when the address is not one. */
export function emailDomainOf(email: string): string | null {
  if (email.length > MAX_EMAIL) return null;
  const match = EMAIL.exec(email);
  return match?.[1] ? match[1].toLowerCase() : null;
}

/** `school.edu` matches itself only; `*.example.org` matches every subdomain but not `example.org`. */
export function domainMatches(domain: string, rule: string): boolean {
  const r = rule.toLowerCase().replace(/\.$/, '');
  if (r.startsWith('*.')) return domain.endsWith(r.slice(1));
  return domain === r;
}

/** Whether `domain` matches any of `rules` (see `domainMatches`). */
export function domainMatchesAny(domain: string, rules: readonly string[] | undefined): boolean {
  return (rules ?? []).some((r) => domainMatches(domain, r));
}
