/** Codes of {@link ContractError}; each names one way a value can break a contract. */
export type ContractErrorCode = 'INVALID_TIME' | 'UNKNOWN_MESSAGE_TYPE';

/**
 * A value does not satisfy a contract of identity-relay (a bad timestamp, an unknown message type).
 * Permanent: retrying the same input gives the same error, so consumers dead-letter it.
 */
export class ContractError extends Error {
  override readonly name = 'ContractError';
  readonly code: ContractErrorCode;

  constructor(code: ContractErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
