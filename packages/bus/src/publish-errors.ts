/**
 * Why a confirmed publish failed. Every one means "the broker has not taken responsibility for the
 * message": the caller still owns it (the ingress answers 503, a consumer requeues its delivery).
 */
export class PublishError extends Error {
  readonly code: string;

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'PUBLISH_FAILED';
  }
}

/** The broker refused the message (basic.nack), e.g. a queue at its length limit with reject-publish. */
export class PublishNackedError extends PublishError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'PUBLISH_NACKED', ...options });
  }
}

/** No queue is bound for the exchange and routing key (basic.return of a mandatory publish). */
export class UnroutableError extends PublishError {
  readonly replyCode: number;

  constructor(message: string, options: { replyCode: number; cause?: unknown }) {
    super(message, { code: 'UNROUTABLE', cause: options.cause });
    this.replyCode = options.replyCode;
  }
}

/** The broker did not confirm in time; the message may or may not have been taken. */
export class PublishTimeoutError extends PublishError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'PUBLISH_TIMEOUT', ...options });
  }
}

/** Not connected (or the connection went away before the confirm): nothing is buffered. */
export class BrokerUnavailableError extends PublishError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'BROKER_UNAVAILABLE', ...options });
  }
}

/** The broker closed the publishing channel with an error, e.g. the exchange does not exist. */
export class PublishChannelError extends PublishError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'CHANNEL_CLOSED', ...options });
  }
}
