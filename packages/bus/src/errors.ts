/**
 * Errors that decide a message's fate. Handlers throw (or return) them; the consumer runtime reads
 * the class, never the message text.
 *
 * Severity, lowest first:
 * - `TransientError`: the work may succeed later (database down, IdP API timing out). The message is
 *   retried after a delay. Any error that is not a `PermanentError` is treated as transient.
 * - `PermanentError`: retrying cannot help (business rule refuses it). The message is dead-lettered
 *   at once.
 * - `InvalidMessageError`: the message itself is malformed (unparseable, schema-invalid, unknown
 *   type). Dead-lettered at once.
 */
export class RelayError extends Error {
  readonly code: string;

  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
  }
}

/** Retry with a delay: the failure is expected to go away (severity: low). */
export class TransientError extends RelayError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'TRANSIENT', cause: options.cause });
  }
}

/** Dead-letter now: retrying cannot succeed (severity: high). */
export class PermanentError extends RelayError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'PERMANENT', cause: options.cause });
  }
}

/** The message itself is unusable: unparseable, schema-invalid or of an unknown type (severity: high). */
export class InvalidMessageError extends PermanentError {
  readonly details: readonly string[];

  constructor(
    message: string,
    options: { code?: string; cause?: unknown; details?: readonly string[] } = {},
  ) {
    super(message, { code: options.code ?? 'INVALID_MESSAGE', cause: options.cause });
    this.details = options.details ?? [];
  }
}

/** True when the error says retrying cannot help. Unknown errors count as transient. */
export function isPermanent(error: unknown): boolean {
  return error instanceof PermanentError;
}

/** Any thrown value as an Error, so every failure has a name and a message to record. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : `non-error thrown: ${safeStringify(value)}`);
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
