/**
 * Errors of the ops service. Each carries a `code` the HTTP API and the CLI map to a status or an
 * exit code; none of them is a bug.
 */
export class OpsError extends Error {
  readonly code: string;

  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
  }
}

/** The caller asked for something malformed: an unknown filter, a bad date, a bad id (HTTP 400, exit 2). */
export class BadRequestError extends OpsError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'BAD_REQUEST', cause: options.cause });
  }
}

/** No dead letter with that id (HTTP 404, exit 1). */
export class NotFoundError extends OpsError {
  constructor(message: string) {
    super(message, { code: 'NOT_FOUND' });
  }
}

/** The action does not apply in the entry's current status, e.g. replaying a replayed entry without force (HTTP 409, exit 1). */
export class ConflictError extends OpsError {
  constructor(message: string, options: { code: string }) {
    super(message, { code: options.code });
  }
}

/** A corrected message body that does not satisfy its type's schema (HTTP 422, exit 2); `problems` lists why. */
export class InvalidMessageError extends OpsError {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message, { code: 'INVALID_MESSAGE' });
  }
}
