import { hostname } from 'node:os';
import {
  pino,
  stdSerializers,
  type DestinationStream,
  type LogFn,
  type Logger,
  type LoggerOptions,
} from 'pino';
import { REDACTED, sanitize } from './redact.js';

export type { Logger } from 'pino';

/** pino's numeric value of `info`: from this level up, email addresses are masked. */
const INFO = 30;

/**
 * Secret paths pino's `redact` censors whatever the level. The logger also redacts any key that
 * looks secret at any depth (see redact.ts); these paths cover child-logger bindings and the
 * well-known places explicitly.
 */
export const REDACT_PATHS: readonly string[] = [
  'apiKey',
  'token',
  'password',
  'authorization',
  'secret',
  '*.apiKey',
  '*.token',
  '*.password',
  '*.authorization',
  '*.secret',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["webhook-signature"]',
  'res.headers["set-cookie"]',
  'config.kratosApiKey',
  'config.kratosBasicPassword',
  'config.authentikWebhookToken',
  'config.authentikToken',
  'config.hooksApiKey',
  'config.notifyApiKey',
  'config.opsToken',
  'config.unsubscribeSecret',
  'config.generatedSecrets',
];

export interface CreateLoggerOptions {
  /** Written to every line as `service`. */
  service: string;
  /** (default=info) pino level. At debug and trace, email addresses are logged unmasked. */
  level?: string;
  /** (default=stdout, synchronous) Where lines go; tests pass a stream to capture them. */
  destination?: DestinationStream;
  /** Extra pino redact paths, e.g. `req.headers["x-kratos-key"]` for a custom API key header. */
  redactPaths?: readonly string[];
}

function isRequest(value: object): boolean {
  return 'method' in value && 'headers' in value && 'socket' in value;
}

/**
 * Sanitizes a log call's arguments before pino sees them. A leading Error or HTTP request is
 * wrapped the way pino would (`{ err }` / `{ req }`), because once sanitized it is a plain object.
 */
export function sanitizeLogArgs(args: readonly unknown[], level: number): unknown[] {
  const emails = level >= INFO;
  const [first, ...rest] = args;
  let head = first;
  if (first instanceof Error) head = { err: first };
  else if (first !== null && typeof first === 'object' && isRequest(first)) head = { req: first };
  return [sanitize(head, { emails }), ...rest.map((arg) => sanitize(arg, { emails }))];
}

// The hook already turned Errors into plain objects; serializing those again would lose `type`.
function serializeError(value: unknown): unknown {
  return value instanceof Error ? stdSerializers.err(value) : value;
}

/**
 * A pino logger with base fields `service`, `pid`, `hostname`, ISO time and level labels.
 * Secrets are censored at every level. Email addresses in any logged string (message, format
 * arguments, object values, child bindings) are masked (`j***@example.org`) for calls at info
 * and above; debug and trace calls show them, so only enable those levels where that is allowed.
 */
export function createLogger(opts: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    base: { service: opts.service, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS, ...(opts.redactPaths ?? [])], censor: REDACTED },
    serializers: { err: serializeError, req: stdSerializers.req, res: stdSerializers.res },
    formatters: {
      level: (label) => ({ level: label }),
    },
    hooks: {
      logMethod(args, method, level) {
        method.apply(this, sanitizeLogArgs(args, level) as Parameters<LogFn>);
      },
    },
  };
  const logger = opts.destination ? pino(options, opts.destination) : pino(options);
  maskChildBindings(logger);
  return logger;
}

/**
 * pino applies `formatters.bindings` to the root logger only, so child bindings are sanitized by
 * wrapping `child`. Children are created with Object.create(parent) and inherit the wrapper.
 * Bindings appear at every level, so emails in them are always masked.
 */
function maskChildBindings(logger: Logger): void {
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, sanitize(bindings, { emails: true }) as typeof bindings, childOptions);
  } as Logger['child'];
}
