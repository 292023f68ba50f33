import {
  AuthentikPkRangeError,
  authentikDefaultBodySchema,
  authentikMappedBodySchema,
  authentikUserChangeOf,
  compile,
  type AuthentikDefaultBody,
  type AuthentikMappedBody,
  type AuthentikUserChangedData,
} from '@identity-relay/contracts';
import { fieldProblems, type FieldProblem } from '@identity-relay/runtime';

const validateMapped = compile<AuthentikMappedBody>(authentikMappedBodySchema);
const validateDefault = compile<AuthentikDefaultBody>(authentikDefaultBodySchema);

const MODEL_ACTIONS = new Set(['model_created', 'model_updated', 'model_deleted']);

export type AuthentikClassification =
  | { kind: 'change'; data: AuthentikUserChangedData }
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; errors: FieldProblem[] };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * What an Authentik webhook body means. Three shapes: a body mapping's `{event_type, pk, ...}` (seed 001,
 * or infra/authentik's recommended mapping with `event_pk`, `created`, `app`, `model_name`), or Authentik's
 * default `{body, severity, ...}` whose `body` is `"<action>: <python repr>"`. Events that are not about a
 * user model are `ignored` (answered 2xx so Authentik does not retry them); only malformed bodies are invalid.
 */
export function classifyAuthentikBody(body: unknown): AuthentikClassification {
  if (!isObject(body))
    return { kind: 'invalid', errors: [{ pointer: '/', detail: 'must be a JSON object' }] };
  if ('event_type' in body) {
    if (typeof body.event_type === 'string' && !MODEL_ACTIONS.has(body.event_type)) {
      return { kind: 'ignored', reason: `action ${body.event_type} is not a model change` };
    }
    // Seed 001's mapping sends `pk: None` when the event's model pk is not an integer (not a user).
    if (body.pk === null) return { kind: 'ignored', reason: 'no integer pk: not a user' };
    if (!validateMapped(body)) return { kind: 'invalid', errors: fieldProblems(validateMapped.errors) };
    const data = authentikUserChangeOf(body);
    return data ? { kind: 'change', data } : { kind: 'ignored', reason: 'not a user model' };
  }
  if ('body' in body) {
    if (!validateDefault(body)) return { kind: 'invalid', errors: fieldProblems(validateDefault.errors) };
    try {
      const data = authentikUserChangeOf(body);
      return data ? { kind: 'change', data } : { kind: 'ignored', reason: 'not a user model change' };
    } catch (err) {
      if (err instanceof AuthentikPkRangeError)
        return { kind: 'invalid', errors: [{ pointer: '/body', detail: `model ${err.message}` }] };
      throw err;
    }
  }
  return {
    kind: 'invalid',
    errors: [
      {
        pointer: '/',
        detail: 'expected a body mapping {event_type, pk} or the default body {body, severity}',
      },
    ],
  };
}
