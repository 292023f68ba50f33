/** Failures of a reconciliation run; `code` says which, for the CLI's exit codes and the ops API's statuses. */
export class ReconcileError extends Error {
  readonly code: string;
  constructor(message: string, opts: { code: string; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code;
  }
}

/** Another run of the same provider holds the lease (on this or another replica). */
export class ReconcileBusyError extends ReconcileError {
  constructor(
    readonly provider: string,
    readonly holder: string,
  ) {
    super(`a ${provider} reconciliation is already running (run ${holder})`, { code: 'RECONCILE_BUSY' });
  }
}

/** The IdP could not be read (network, 5xx after retries, bad answer). Nothing was deleted. */
export class IdpUnavailableError extends ReconcileError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'IDP_UNAVAILABLE', cause });
  }
}

/** The IdP refused the credentials (401/403): retrying cannot help. */
export class IdpUnauthorizedError extends ReconcileError {
  constructor(message: string) {
    super(message, { code: 'IDP_UNAUTHORIZED' });
  }
}

/** The run lost its lease (its process stalled past the lease): it stops without publishing more. */
export class LeaseLostError extends ReconcileError {
  constructor(provider: string) {
    super(`the ${provider} reconciliation lease was lost; stopping`, { code: 'LEASE_LOST' });
  }
}

/** The provider is not configured in this process (no KRATOS_ADMIN_URL, no AUTHENTIK_URL/TOKEN). */
export class ProviderNotConfiguredError extends ReconcileError {
  constructor(message: string) {
    super(message, { code: 'PROVIDER_NOT_CONFIGURED' });
  }
}
