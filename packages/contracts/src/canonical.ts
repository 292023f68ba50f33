import type { JSONSchemaType } from 'ajv';
import type { KratosIdentity, KratosVerifiableAddress } from './kratos/identity.js';
import { requiredKeys } from './required-keys.js';
import { isZeroTime, normalizeTime } from './time.js';

/** An identity as identity-relay sees it, whichever IdP it came from (DESIGN.md "Canonical identity"). */
export interface CanonicalIdentity {
  provider: 'kratos' | 'authentik';
  /** The IdP's own id: the Kratos identity UUID, or the Authentik user pk as a decimal string. */
  externalId: string;
  email: string | null;
  username: string | null;
  emailVerified: boolean;
  state: 'active' | 'inactive';
  traits: Record<string, unknown>;
  /** When the IdP last changed the identity: ISO 8601 UTC, up to microseconds. */
  sourceUpdatedAt: string;
}

export const canonicalIdentitySchema: JSONSchemaType<CanonicalIdentity> = {
  type: 'object',
  additionalProperties: false,
  required: requiredKeys<CanonicalIdentity>()([
    'provider',
    'externalId',
    'email',
    'username',
    'emailVerified',
    'state',
    'traits',
    'sourceUpdatedAt',
  ]),
  properties: {
    provider: { type: 'string', enum: ['kratos', 'authentik'] },
    externalId: { type: 'string', minLength: 1 },
    // JSONSchemaType ties `nullable: true` to optional properties; a required `string | null` needs anyOf.
    email: {
      anyOf: [
        { type: 'string', minLength: 1 },
        { type: 'null', nullable: true },
      ],
    },
    username: {
      anyOf: [
        { type: 'string', minLength: 1 },
        { type: 'null', nullable: true },
      ],
    },
    emailVerified: { type: 'boolean' },
    state: { type: 'string', enum: ['active', 'inactive'] },
    traits: { type: 'object', additionalProperties: true, required: [] },
    sourceUpdatedAt: { type: 'string', format: 'date-time' },
  },
};

/**
 * Maps a Kratos identity to the canonical form. `fallbackTime` stands in for `sourceUpdatedAt` when the
 * identity carries no real timestamp (pre-persist hooks send Go's zero time); pass the event's time.
 */
export function kratosToCanonical(identity: KratosIdentity, fallbackTime: string): CanonicalIdentity {
  const email = kratosEmail(identity);
  return {
    provider: 'kratos',
    externalId: identity.id,
    email,
    username: trimmedString(identity.traits.username),
    emailVerified: kratosAddressVerified(identity.verifiable_addresses, email),
    state: identity.state ?? 'active',
    traits: identity.traits,
    sourceUpdatedAt: normalizeTime(firstRealTime(identity.updated_at, identity.created_at) ?? fallbackTime),
  };
}

/** `traits.email`, else the first email verifiable address; trimmed, case kept as sent. */
function kratosEmail(identity: KratosIdentity): string | null {
  const fromTraits = trimmedString(identity.traits.email);
  if (fromTraits !== null) return fromTraits;
  const address = (identity.verifiable_addresses ?? []).find((a) => a.via === 'email');
  return address ? trimmedString(address.value) : null;
}

/**
 * Whether Kratos marks `email` itself verified among `verifiable_addresses` (`verified`, or the verification flow
 * `completed`). Another verified address of the identity does not count: what is verified is what the sign-up
 * policy and `IdentityChanged.emailVerified` speak about, the one address, so both decide alike.
 */
export function kratosAddressVerified(
  addresses: readonly KratosVerifiableAddress[] | null | undefined,
  email: unknown,
): boolean {
  if (typeof email !== 'string' || email.trim() === '') return false;
  const wanted = email.trim().toLowerCase();
  return (addresses ?? []).some(
    (a) =>
      typeof a.value === 'string' &&
      a.value.trim().toLowerCase() === wanted &&
      (a.verified === true || a.status === 'completed'),
  );
}

function trimmedString(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function firstRealTime(...candidates: Array<string | null | undefined>): string | undefined {
  return candidates.find(
    (t): t is string => typeof t === 'string' && !isZeroTime(t) && !Number.isNaN(Date.parse(t)),
  );
}
