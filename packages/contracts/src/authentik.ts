import type { JSONSchemaType } from 'ajv';
import { requiredKeys } from './required-keys.js';

export type AuthentikUserAction = 'created' | 'updated' | 'deleted';

/**
 * `data` of an `AuthentikUserChanged` message. Authentik's notification names only the user's pk
 * (its event context holds `model.pk`), so `user` is filled in later when identity-sync fetches it;
 * after `deleted` the user is gone and `user` stays absent.
 */
export interface AuthentikUserChangedData {
  action: AuthentikUserAction;
  /** Authentik's integer user pk. */
  pk: number;
  /** `GET /api/v3/core/users/{pk}/` as returned, when enriched. */
  user?: Record<string, unknown> | null;
  /** Authentik's event pk, when the body mapping sends it: the best deduplication key Authentik offers. */
  eventId?: string | null;
  /** When Authentik recorded the event (its `created`). */
  occurredAt?: string | null;
}

export const authentikUserChangedDataSchema: JSONSchemaType<AuthentikUserChangedData> = {
  type: 'object',
  additionalProperties: true,
  required: requiredKeys<AuthentikUserChangedData>()(['action', 'pk']),
  properties: {
    action: { type: 'string', enum: ['created', 'updated', 'deleted'] },
    pk: { type: 'integer' },
    user: { type: 'object', additionalProperties: true, required: [], nullable: true },
    eventId: { type: 'string', minLength: 1, nullable: true },
    occurredAt: { type: 'string', format: 'date-time', nullable: true },
  },
};
