import type { CanonicalIdentity } from './canonical.js';
import { normalizeTime } from './time.js';

/**
 * The fields of Authentik's `GET /api/v3/core/users/{pk}/` response (reference §3.4) that the mapping
 * reads; the response has more (groups, avatar, uuid, ...), which stay in `AuthentikUserChanged.user`.
 */
export interface AuthentikUser {
  pk: number;
  username: string;
  name?: string | null;
  email?: string | null;
  is_active?: boolean | null;
  attributes?: Record<string, unknown> | null;
}

/** A value is shaped like an {@link AuthentikUser} (an enriched `user` of an AuthentikUserChanged message). */
export function isAuthentikUser(value: unknown): value is AuthentikUser {
  const v = value as Partial<AuthentikUser> | null;
  return typeof v === 'object' && v !== null && Number.isInteger(v.pk) && typeof v.username === 'string';
}

/**
 * Maps an Authentik user to the canonical form.
 * - email: `email` trimmed, `''` (Authentik's "none") → null. Authentik records no verification, so
 *   `emailVerified` is false unless `attributes.email_verified === true` (a convention some flows set).
 * - traits: the user's `attributes`, plus `name` (display name) when attributes have no `name`.
 * - sourceUpdatedAt: Authentik users have no modification time; pass the event's time as `eventTime`.
 */
export function authentikToCanonical(user: AuthentikUser, eventTime: string): CanonicalIdentity {
  const attributes = user.attributes ?? {};
  const email = typeof user.email === 'string' && user.email.trim() !== '' ? user.email.trim() : null;
  const traits: Record<string, unknown> = { ...attributes };
  if (!('name' in traits) && typeof user.name === 'string' && user.name !== '') traits.name = user.name;
  return {
    provider: 'authentik',
    externalId: String(user.pk),
    email,
    username: user.username.trim() === '' ? null : user.username.trim(),
    emailVerified: email !== null && attributes.email_verified === true,
    state: user.is_active === false ? 'inactive' : 'active',
    traits,
    sourceUpdatedAt: normalizeTime(eventTime),
  };
}
