import type { JSONSchemaType } from 'ajv';
import { requiredKeys } from '../required-keys.js';

/*
 * The Kratos identity exactly as a `web_hook` receives it in `ctx.identity` (Kratos serialises it without
 * `credentials` and `metadata_admin`; admin API responses have them). Only `id` and `traits` are required:
 * everything else is optional but type-checked when present, and unknown fields are allowed at every level
 * so that newer Kratos versions and Ory Network extras (`region`, ...) pass through untouched.
 *
 * ajv's JSONSchemaType makes every optional property `nullable: true`, so the schema also accepts `null`
 * for them; the types below therefore say `| null` too, except where an `enum` rules null out again.
 * The types list only the known fields: extra fields survive at runtime but are not typed.
 */

/** `verifiable_addresses[]`; `via` is `email` or `sms` today, typed loosely so a new channel is not refused. */
export interface KratosVerifiableAddress {
  id?: string | null;
  value: string;
  verified: boolean;
  via: string;
  /** `pending`, `sent` or `completed`. */
  status?: string | null;
  verified_at?: string | null;
  created_at?: string | null;
  updated_at?: string | null;
}

/** `recovery_addresses[]`. */
export interface KratosRecoveryAddress {
  id?: string | null;
  value: string;
  via: string;
  created_at?: string | null;
  updated_at?: string | null;
}

export type KratosIdentityState = 'active' | 'inactive';

export interface KratosIdentity {
  /** A UUID once persisted; the nil UUID in pre-persist (`response.parse`) registration hooks. */
  id: string;
  traits: Record<string, unknown>;
  schema_id?: string | null;
  schema_url?: string | null;
  state?: KratosIdentityState;
  state_changed_at?: string | null;
  verifiable_addresses?: KratosVerifiableAddress[] | null;
  recovery_addresses?: KratosRecoveryAddress[] | null;
  metadata_public?: Record<string, unknown> | null;
  /** Admin API only; never in webhooks. */
  metadata_admin?: Record<string, unknown> | null;
  /** Admin API with `?include_credential=` only; never in webhooks. */
  credentials?: Record<string, unknown> | null;
  created_at?: string | null;
  updated_at?: string | null;
  organization_id?: string | null;
  external_id?: string | null;
}

const optionalTime = { type: 'string', format: 'date-time', nullable: true } as const;
const optionalString = { type: 'string', nullable: true } as const;
const openObject = { type: 'object', additionalProperties: true, required: [] } as const;

export const kratosVerifiableAddressSchema: JSONSchemaType<KratosVerifiableAddress> = {
  type: 'object',
  additionalProperties: true,
  required: requiredKeys<KratosVerifiableAddress>()(['value', 'verified', 'via']),
  properties: {
    id: optionalString,
    value: { type: 'string' },
    verified: { type: 'boolean' },
    via: { type: 'string', minLength: 1 },
    status: optionalString,
    verified_at: optionalTime,
    created_at: optionalTime,
    updated_at: optionalTime,
  },
};

export const kratosRecoveryAddressSchema: JSONSchemaType<KratosRecoveryAddress> = {
  type: 'object',
  additionalProperties: true,
  required: requiredKeys<KratosRecoveryAddress>()(['value', 'via']),
  properties: {
    id: optionalString,
    value: { type: 'string' },
    via: { type: 'string', minLength: 1 },
    created_at: optionalTime,
    updated_at: optionalTime,
  },
};

export const kratosIdentitySchema: JSONSchemaType<KratosIdentity> = {
  type: 'object',
  additionalProperties: true,
  required: requiredKeys<KratosIdentity>()(['id', 'traits']),
  properties: {
    // Not `format: uuid`: the nil UUID of pre-persist hooks must pass, and the id is opaque to us.
    id: { type: 'string', minLength: 1 },
    traits: openObject,
    schema_id: optionalString,
    schema_url: optionalString,
    // `nullable` comes with JSONSchemaType's optional property; the enum still refuses null.
    state: { type: 'string', enum: ['active', 'inactive'], nullable: true },
    state_changed_at: optionalTime,
    verifiable_addresses: { type: 'array', items: kratosVerifiableAddressSchema, nullable: true },
    recovery_addresses: { type: 'array', items: kratosRecoveryAddressSchema, nullable: true },
    metadata_public: { ...openObject, nullable: true },
    metadata_admin: { ...openObject, nullable: true },
    credentials: { ...openObject, nullable: true },
    created_at: optionalTime,
    updated_at: optionalTime,
    organization_id: optionalString,
    external_id: optionalString,
  },
};
