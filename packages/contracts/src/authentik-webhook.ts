import type { JSONSchemaType } from 'ajv';
import type { AuthentikUserAction, AuthentikUserChangedData } from './authentik.js';
import { requiredKeys } from './required-keys.js';

/*
 * Bodies of `POST /authentik/webhook` (reference idp-wire-formats.md §3). Authentik does not sign them and
 * sends no event id unless a body mapping adds one. Two shapes are understood:
 *  - a body mapping's JSON: at least `{event_type, pk}` (seed 001's `backend-webhook-mapper`), optionally
 *    `event_pk` and `created` from `request.context["notification"].event`;
 *  - the default body, whose `body` string is `"<action>: <python repr of the event context>"`.
 */

/** A body mapping's JSON; extra keys allowed. */
export interface AuthentikMappedBody {
  /** Authentik's event action: `model_created`, `model_updated`, `model_deleted`. */
  event_type: string;
  pk: number;
  /** The event's own pk (a UUID), when the mapping sends it: the best deduplication key there is. */
  event_pk?: string | null;
  /** The event's `created` timestamp. */
  created?: string | null;
}

export const authentikMappedBodySchema: JSONSchemaType<AuthentikMappedBody> = {
  type: 'object',
  additionalProperties: true,
  required: requiredKeys<AuthentikMappedBody>()(['event_type', 'pk']),
  properties: {
    event_type: { type: 'string', minLength: 1 },
    pk: { type: 'integer' },
    event_pk: { type: 'string', minLength: 1, nullable: true },
    created: { type: 'string', format: 'date-time', nullable: true },
  },
};

/** Authentik's default notification webhook body. */
export interface AuthentikDefaultBody {
  body: string;
  severity: string;
  user_email?: string | null;
  user_username?: string | null;
  event_user_email?: string | null;
  event_user_username?: string | null;
}

export const authentikDefaultBodySchema: JSONSchemaType<AuthentikDefaultBody> = {
  type: 'object',
  additionalProperties: true,
  required: requiredKeys<AuthentikDefaultBody>()(['body', 'severity']),
  properties: {
    body: { type: 'string', minLength: 1 },
    severity: { type: 'string' },
    user_email: { type: 'string', nullable: true },
    user_username: { type: 'string', nullable: true },
    event_user_email: { type: 'string', nullable: true },
    event_user_username: { type: 'string', nullable: true },
  },
};

const ACTIONS: Record<string, AuthentikUserAction> = {
  model_created: 'created',
  model_updated: 'updated',
  model_deleted: 'deleted',
};

/** Parsed head of a default-body `body` string: the action and the model dict's app, model name and pk. */
export interface AuthentikModelEvent {
  eventType: string;
  app: string | null;
  modelName: string | null;
  pk: number | null;
}

/**
 * Reads `model_created: {'model': {'app': 'authentik_core', 'model_name': 'user', 'pk': 12, ...` — a Python
 * repr, not JSON, so only the few fields needed are picked out. Returns null when the string has no action.
 */
export function parseAuthentikEventSummary(summary: string): AuthentikModelEvent | null {
  const head = /^([a-z_]+): (.*)$/s.exec(summary);
  if (!head) return null;
  const model = /'model': \{([^}]*)\}/.exec(head[2] ?? '')?.[1] ?? '';
  const pk = /'pk': (-?\d+)/.exec(model)?.[1];
  return {
    eventType: head[1] ?? '',
    app: /'app': '([^']*)'/.exec(model)?.[1] ?? null,
    modelName: /'model_name': '([^']*)'/.exec(model)?.[1] ?? null,
    pk: pk === undefined ? null : Number(pk),
  };
}

/**
 * The `AuthentikUserChanged` data a webhook body stands for, or null when it is not about a user
 * (other models, other actions, or a default body without a pk). Callers answer null with a 2xx, so
 * Authentik does not retry an event nobody wants.
 */
export function authentikUserChangeOf(
  body: AuthentikMappedBody | AuthentikDefaultBody,
): AuthentikUserChangedData | null {
  // A mapped body is trusted to concern a user: the rule's Event Matcher policy selects the User model.
  if ('event_type' in body) {
    const action = ACTIONS[body.event_type];
    if (!action) return null;
    const data: AuthentikUserChangedData = { action, pk: body.pk };
    if (body.event_pk) data.eventId = body.event_pk;
    if (body.created) data.occurredAt = body.created;
    return data;
  }
  const event = parseAuthentikEventSummary(body.body);
  const action = event && ACTIONS[event.eventType];
  if (!event || !action || event.pk === null) return null;
  if (event.app !== 'authentik_core' || event.modelName !== 'user') return null;
  return { action, pk: event.pk };
}
