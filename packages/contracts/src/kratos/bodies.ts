import type { JSONSchemaType } from 'ajv';
import { requiredKeys } from '../required-keys.js';
import { kratosIdentitySchema, type KratosIdentity } from './identity.js';

/**
 * Body of `POST /kratos/sync-identity`, produced by the web_hook template `function(ctx) { identity: ctx.identity }`.
 * Extra top-level keys are allowed so an operator may add context (e.g. `flow_type`) to the template.
 */
export interface KratosSyncIdentityBody {
  identity: KratosIdentity;
}

export const kratosSyncIdentityBodySchema: JSONSchemaType<KratosSyncIdentityBody> = {
  type: 'object',
  additionalProperties: true,
  required: requiredKeys<KratosSyncIdentityBody>()(['identity']),
  properties: { identity: kratosIdentitySchema },
};

/** `data` of a `KratosIdentityUpdated` message: the identity exactly as Kratos sent it. */
export interface KratosIdentityUpdatedData {
  identity: KratosIdentity;
}

export const kratosIdentityUpdatedDataSchema: JSONSchemaType<KratosIdentityUpdatedData> = {
  type: 'object',
  additionalProperties: true,
  required: requiredKeys<KratosIdentityUpdatedData>()(['identity']),
  properties: { identity: kratosIdentitySchema },
};
