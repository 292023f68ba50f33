import type { JSONSchemaType } from 'ajv';
import type { AuthentikUserAction, AuthentikUserChangedData } from './authentik.js';
import { parsePythonLiteral } from './python-repr.js';
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
  /** The model's Django app and model name, when the mapping sends them (`authentik_core` / `user`). */
  app?: string | null;
  model_name?: string | null;
}

export const authentikMappedBodySchema: JSONSchemaType<AuthentikMappedBody> = {
  type: 'object',
  additionalProperties: true,
  required: requiredKeys<AuthentikMappedBody>()(['event_type', 'pk']),
  properties: {
    event_type: { type: 'string', minLength: 1 },
    // JSON numbers above 2^53 lose digits in JSON.parse (9007199254740993 reads as ...992): another user's pk.
    pk: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    event_pk: { type: 'string', minLength: 1, nullable: true },
    created: { type: 'string', format: 'date-time', nullable: true },
    app: { type: 'string', nullable: true },
    model_name: { type: 'string', nullable: true },
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
  /** The model's pk is an integer beyond 2^53: it cannot be carried exactly, so the event must be refused. */
  pkOutOfRange?: boolean;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** Picks the model dict out of the parsed event context. */
function fromContext(eventType: string, context: unknown): AuthentikModelEvent | null {
  if (typeof context !== 'object' || context === null || Array.isArray(context)) return null;
  const model = (context as Record<string, unknown>).model;
  if (typeof model !== 'object' || model === null || Array.isArray(model)) {
    return { eventType, app: null, modelName: null, pk: null };
  }
  const m = model as Record<string, unknown>;
  const pk = typeof m.pk === 'number' && Number.isSafeInteger(m.pk) ? m.pk : null;
  const event: AuthentikModelEvent = { eventType, app: str(m.app), modelName: str(m.model_name), pk };
  if (typeof m.pk === 'number' && Number.isInteger(m.pk) && pk === null) event.pkOutOfRange = true;
  return event;
}

/** The text after the first `'<key>': '` up to the next quote; null when absent. One forward scan. */
function quotedAfter(text: string, key: string): string | null {
  const head = `'${key}': '`;
  const start = text.indexOf(head);
  if (start < 0) return null;
  const end = text.indexOf("'", start + head.length);
  // A later `'<key>': '` would itself contain a quote, so without one here there is no match at all.
  return end < 0 ? null : text.slice(start + head.length, end);
}

/** The digits after the first `'pk': ` that has any (with an optional minus sign). Linear: one pass per occurrence. */
function pkDigits(text: string): string | null {
  const head = "'pk': ";
  for (let at = text.indexOf(head); at >= 0; at = text.indexOf(head, at + 1)) {
    let i = at + head.length;
    const sign = text[i] === '-' ? '-' : '';
    if (sign) i++;
    let end = i;
    while (end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
    if (end > i) return sign + text.slice(i, end);
  }
  return null;
}

/**
 * Last resort for a summary the literal reader refuses (e.g. a value like `UUID('...')` in the context): the
 * first `'model': {…}` dict's app, model name and pk. Written as forward scans (indexOf), not regular
 * expressions: `/'model': \{([^}]*)\}/` took quadratic time on a body of unterminated `'model': {` repeats.
 */
function fromPatterns(eventType: string, rest: string): AuthentikModelEvent {
  const head = "'model': {";
  const start = rest.indexOf(head);
  const end = start < 0 ? -1 : rest.indexOf('}', start + head.length);
  // Without a `}` after the first `'model': {` there is none after any later one either.
  const model = end < 0 ? '' : rest.slice(start + head.length, end);
  const digits = pkDigits(model);
  const pk = digits === null ? null : Number(digits);
  const event: AuthentikModelEvent = {
    eventType,
    app: quotedAfter(model, 'app'),
    modelName: quotedAfter(model, 'model_name'),
    pk: pk !== null && Number.isSafeInteger(pk) ? pk : null,
  };
  if (pk !== null && !Number.isSafeInteger(pk)) event.pkOutOfRange = true;
  return event;
}

/**
 * Reads `model_created: {'model': {'app': 'authentik_core', 'model_name': 'user', 'pk': 12, ...}, ...}` — the
 * action and a Python repr of the event context (single or double quotes, True/False/None, nested dicts), not
 * JSON. Returns null when the string has no `action: ` head.
 */
export function parseAuthentikEventSummary(summary: string): AuthentikModelEvent | null {
  const head = /^([a-z_]+): (.*)$/s.exec(summary);
  if (!head) return null;
  const eventType = head[1] ?? '';
  const rest = head[2] ?? '';
  return fromContext(eventType, parsePythonLiteral(rest)) ?? fromPatterns(eventType, rest);
}

/** A user event whose pk is an integer beyond 2^53: it cannot be carried exactly, so it is refused (422), never dropped. */
export class AuthentikPkRangeError extends Error {
  readonly code = 'PK_OUT_OF_RANGE';
  constructor() {
    super(`pk is beyond ${Number.MAX_SAFE_INTEGER} (2^53 - 1) and cannot be carried exactly`);
    this.name = 'AuthentikPkRangeError';
  }
}

/**
 * The `AuthentikUserChanged` data a webhook body stands for, or null when it is not about a user
 * (other models, other actions, or a default body without a pk). Callers answer null with a 2xx, so
 * Authentik does not retry an event nobody wants.
 * @throws AuthentikPkRangeError for a user event whose pk is beyond 2^53.
 */
export function authentikUserChangeOf(
  body: AuthentikMappedBody | AuthentikDefaultBody,
): AuthentikUserChangedData | null {
  // A mapped body without `app`/`model_name` is trusted to concern a user: seed 001's Event Matcher policies select the User model.
  if ('event_type' in body) {
    const action = ACTIONS[body.event_type];
    if (!action) return null;
    if (
      (body.app != null && body.app !== 'authentik_core') ||
      (body.model_name != null && body.model_name !== 'user')
    ) {
      return null;
    }
    const data: AuthentikUserChangedData = { action, pk: body.pk };
    if (body.event_pk) data.eventId = body.event_pk;
    if (body.created) data.occurredAt = body.created;
    return data;
  }
  const event = parseAuthentikEventSummary(body.body);
  const action = event && ACTIONS[event.eventType];
  if (!event || !action) return null;
  if (event.app !== 'authentik_core' || event.modelName !== 'user') return null;
  if (event.pkOutOfRange) throw new AuthentikPkRangeError();
  if (event.pk === null) return null;
  return { action, pk: event.pk };
}
