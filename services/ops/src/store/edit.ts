import diff from 'microdiff';
import { isMessageType, validateMessage } from '@identity-relay/contracts';
import type { Prisma } from '@identity-relay/db';
import { InvalidMessageError } from '../errors.js';
import type { DeadLetterEdit } from './actions.js';
import { describeBody } from './views.js';

/** One change of an edit, as stored and shown: where, what it was, what it became. */
export interface EditChange {
  type: 'CREATE' | 'CHANGE' | 'REMOVE';
  path: Array<string | number>;
  oldValue?: unknown;
  value?: unknown;
}

/** At most this many bytes of corrected body (the API's JSON limit is 64 kB). */
const MAX_BODY_BYTES = 60_000;

/**
 * A corrected body for a dead letter, accepted only when it is a valid message of the dead letter's type
 * (its JSON Schema from @identity-relay/contracts) and keeps the message's id and type, so the replay is
 * still the same message to idempotent consumers.
 * @throws InvalidMessageError listing every problem.
 */
export function prepareEdit(row: Prisma.DeadLetterModel, body: unknown): DeadLetterEdit {
  const type = row.messageType ?? '';
  if (!isMessageType(type))
    throw new InvalidMessageError(
      `a ${type || 'message without a type'} cannot be edited: no schema to check it`,
      [`type: ${JSON.stringify(type)} is not a known message type`],
    );
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new InvalidMessageError('body: must be the corrected message, a JSON object', [
      'body: not an object',
    ]);
  const problems = [...(validateMessage(type, body) ?? [])];
  const message = body as Record<string, unknown>;
  if (row.messageId !== null && message.id !== row.messageId)
    problems.push(`/id: must stay ${JSON.stringify(row.messageId)} (the message id is the idempotency key)`);
  if (message.type !== type) problems.push(`/type: must stay ${JSON.stringify(type)}`);
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  if (bytes.length > MAX_BODY_BYTES) problems.push(`body: ${bytes.length} bytes, at most ${MAX_BODY_BYTES}`);
  if (problems.length > 0)
    throw new InvalidMessageError(`the corrected ${type} is not valid: ${problems.join('; ')}`, problems);
  const original = describeBody(row.body).json;
  const changes: EditChange[] =
    typeof original === 'object' && original !== null
      ? diff(original as Record<string, unknown>, message)
      : [{ type: 'CHANGE', path: [], oldValue: describeBody(row.body).text ?? null, value: message }];
  return { body: bytes, diff: changes };
}
