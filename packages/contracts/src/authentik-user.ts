import type { CanonicalIdentity } from './canonical.js';
import { normalizeTime } from './time.js';

/**
 * The fields of Authentik's `GET /api/v3/core/users/{pk}/` response (reference §3.4) that the mapping
 * reads; the response has more (avatar, last_login, ...), which stay in `AuthentikUserChanged.user`.
 */
export interface AuthentikUser {
  pk: number;
  username: string;
  name?: string | null;
  email?: string | null;
  is_active?: boolean | null;
  attributes?: Record<string, unknown> | null;
  uuid?: string | null;
  /** `internal`, `external`, `service_account`, `internal_service_account`. */
  type?: string | null;
  /** Group UUIDs. */
  groups?: string[] | null;
  /** Group objects (with `name`), when the API includes them. */
  groups_obj?: Array<{ pk?: string; name?: string }> | null;
}

/** Group names when the API sent the objects, else the group UUIDs. */
function groupsOf(user: AuthentikUser): string[] | undefined {
  const names = (user.groups_obj ?? []).map((g) => g?.name).filter((n): n is string => typeof n === 'string');
  if (names.length > 0) return names;
  return Array.isArray(user.groups) ? user.groups.filter((g) => typeof g === 'string') : undefined;
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
 * - traits: the user's `attributes`, plus `name` (display name), `groups` (names, else UUIDs), `type` and
 *   `uuid` where the attributes have no key of that name (attributes win: they are the operator's data).
 * - sourceUpdatedAt: Authentik users have no modification time; pass the event's time as `eventTime`.
 */
export function authentikToCanonical(user: AuthentikUser, eventTime: string): CanonicalIdentity {
  const attributes = user.attributes ?? {};
  const email = typeof user.email === 'string' && user.email.trim() !== '' ? user.email.trim() : null;
  const traits: Record<string, unknown> = { ...attributes };
  const extra: Record<string, unknown> = {
    name: typeof user.name === 'string' && user.name !== '' ? user.name : undefined,
    groups: groupsOf(user),
    type: typeof user.type === 'string' ? user.type : undefined,
    uuid: typeof user.uuid === 'string' ? user.uuid : undefined,
  };
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined && !(key in traits)) traits[key] = value;
  }
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
