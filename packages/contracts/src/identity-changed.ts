import type { JSONSchemaType } from 'ajv';
import { canonicalIdentitySchema, type CanonicalIdentity } from './canonical.js';
import { requiredKeys } from './required-keys.js';

export type IdentityChange = 'created' | 'updated' | 'deleted';

/** `data` of an `IdentityChanged` message, published by identity-sync through its outbox. */
export interface IdentityChangedData {
  /** Our `identities.id` (a UUID), not the IdP's id. */
  identityId: string;
  change: IdentityChange;
  /** The identity after the change; for `deleted`, its last known state. */
  identity: CanonicalIdentity;
  /** The identity before the change; null for `created`. */
  previous: CanonicalIdentity | null;
  /** `identities.version` after the change: starts at 1 and grows by one per change. */
  version: number;
}

export const identityChangedDataSchema: JSONSchemaType<IdentityChangedData> = {
  type: 'object',
  additionalProperties: false,
  required: requiredKeys<IdentityChangedData>()(['identityId', 'change', 'identity', 'previous', 'version']),
  properties: {
    identityId: { type: 'string', format: 'uuid' },
    change: { type: 'string', enum: ['created', 'updated', 'deleted'] },
    identity: canonicalIdentitySchema,
    // A required `X | null` needs anyOf under JSONSchemaType (see canonical.ts).
    previous: { anyOf: [canonicalIdentitySchema, { type: 'null', nullable: true }] },
    version: { type: 'integer', minimum: 1 },
  },
};
