/**
 * Emails in free text. A match starts only where a run of local-part characters starts, so a long
 * run without `@` is scanned once, not from each of its positions (linear time).
 */
export const EMAIL_PATTERN = /(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;

/** Keys whose whole value is personal data: identity traits and the usual profile fields. */
const PERSONAL_KEYS = new Set([
  'traits',
  'attributes',
  'email',
  'emails',
  'name',
  'username',
  'preferred_username',
  'given_name',
  'family_name',
  'first_name',
  'last_name',
  'phone',
  'phone_number',
  'address',
  'verifiable_addresses',
  'recovery_addresses',
]);

export const HIDDEN = '•••';

/** `ada@school.edu` → `a•••@school.edu`: the domain stays (it decides roles and routing), the person goes. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, Math.min(1, at))}${HIDDEN}${email.slice(at)}`;
}

export function maskText(text: string): string {
  return text.replace(EMAIL_PATTERN, maskEmail);
}

function hideAll(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hideAll);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hideAll(v)]));
  if (typeof value === 'string') {
    const masked = maskText(value);
    return masked !== value ? masked : HIDDEN;
  }
  return value === null || typeof value === 'boolean' ? value : HIDDEN;
}

/**
 * A JSON value with personal data masked: emails anywhere, and every leaf under a personal key
 * (`traits`, `email`, `name`…) hidden, keeping the structure so an operator still sees its shape.
 */
export function maskJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        PERSONAL_KEYS.has(k.toLowerCase()) ? hideAll(v) : maskJson(v),
      ]),
    );
  }
  return typeof value === 'string' ? maskText(value) : value;
}
