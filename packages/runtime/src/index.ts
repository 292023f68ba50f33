export * from './config/index.js';
export { createLogger, REDACT_PATHS, type CreateLoggerOptions, type Logger } from './logger.js';
export { maskEmails, sanitize, isSecretKey } from './redact.js';
