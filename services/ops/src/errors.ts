import { HttpError } from '@identity-relay/runtime';

/*
 * Errors of the ops service: the one HttpError of packages/runtime with the status each kind means, so the
 * HTTP API answers them as problem+json and the CLI maps them to an exit code. None of them is a bug.
 */

/** The caller asked for something malformed: an unknown filter, a bad date, a bad id (HTTP 400, exit 2). */
export class BadRequestError extends HttpError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(400, options.code ?? 'bad_request', message, { cause: options.cause });
  }
}

/** Nothing with that id or key (HTTP 404, exit 1). */
export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

/** The action does not apply in the entry's current status, e.g. replaying a replayed entry without force (HTTP 409, exit 1). */
export class ConflictError extends HttpError {
  constructor(message: string, options: { code: string }) {
    super(409, options.code, message);
  }
}

/** A corrected message body that does not satisfy its type's schema (HTTP 422, exit 2); `problems` lists why. */
export class InvalidMessageError extends HttpError {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(422, 'invalid_message', message, { errors: problems.map(fieldProblemOf) });
  }
}

/** `/id: must stay …` → pointer `/body/id`: the corrected message is the request's `body` field. */
function fieldProblemOf(problem: string): { pointer: string; detail: string } {
  const match = /^(\/\S*|body): (.*)$/s.exec(problem);
  if (!match) return { pointer: '/body', detail: problem };
  const path = match[1] === 'body' || match[1] === '/' ? '' : match[1];
  return { pointer: `/body${path}`, detail: match[2]! };
}
