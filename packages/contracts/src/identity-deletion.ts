import type { JSONSchemaType } from 'ajv';
import type { CanonicalIdentity } from './canonical.js';
import { requiredKeys } from './required-keys.js';

/**
 * `data` of an `IdentityDeletionObserved` message: the reconciler found an identity that `identities` holds but the
 * IdP no longer has, and confirmed it with a direct lookup that answered 404. Kratos sends no webhook for a deletion
 * (admin API, Ory console, GDPR erasure), so this is the only way such a deletion reaches identity-sync; it is
 * provider-neutral so both reconcilers publish deletions the same way. identity-sync applies it as a tombstone.
 */
export interface IdentityDeletionObservedData {
  provider: CanonicalIdentity['provider'];
  /** The IdP's id (Kratos identity UUID, Authentik user pk as a decimal string). */
  externalId: string;
  /** When the lookup answered 404 (ISO 8601 UTC). */
  observedAt: string;
  /** The reconciliation run that observed it (`reconcile_runs.id`). */
  runId?: string | null;
}

export const identityDeletionObservedDataSchema: JSONSchemaType<IdentityDeletionObservedData> = {
  type: 'object',
  additionalProperties: false,
  required: requiredKeys<IdentityDeletionObservedData>()(['provider', 'externalId', 'observedAt']),
  properties: {
    provider: { type: 'string', enum: ['kratos', 'authentik'] },
    externalId: { type: 'string', minLength: 1, maxLength: 256 },
    observedAt: { type: 'string', format: 'date-time' },
    runId: { type: 'string', format: 'uuid', nullable: true },
  },
};
