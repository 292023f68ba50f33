import type { JSONSchemaType } from 'ajv';
import { requiredKeys } from './required-keys.js';

/**
 * `data` of an `IdentityErased` message, published by ops (exchange `identity.erasures`, routing key
 * `identity.erased`) after it erased everything identity-relay held about a person. It names the person only
 * by ids, so the event itself holds no personal data: consumers erase what they keyed on those ids.
 */
export interface IdentityErasedData {
  /** Our `identities.id`, as IdentityChanged carried it. */
  identityId: string;
  provider: 'kratos' | 'authentik';
  /** The IdP's id; kept in the tombstone so a late webhook cannot recreate the person. */
  externalId: string;
  erasedAt: string;
}

export const identityErasedDataSchema: JSONSchemaType<IdentityErasedData> = {
  type: 'object',
  additionalProperties: false,
  required: requiredKeys<IdentityErasedData>()(['identityId', 'provider', 'externalId', 'erasedAt']),
  properties: {
    identityId: { type: 'string', format: 'uuid' },
    provider: { type: 'string', enum: ['kratos', 'authentik'] },
    externalId: { type: 'string', minLength: 1, maxLength: 256 },
    erasedAt: { type: 'string', format: 'date-time' },
  },
};
