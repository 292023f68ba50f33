export { ajv, compile, errorPointer, errorText, formatErrors } from './ajv.js';
export * from './authentik.js';
export * from './authentik-user.js';
export * from './authentik-webhook.js';
export * from './canonical.js';
export * from './email-domain.js';
export * from './cloud-event.js';
export * from './errors.js';
export * from './identity-changed.js';
export * from './identity-deletion.js';
export * from './compare.js';
export * from './identity-erased.js';
export * from './kratos/bodies.js';
export * from './kratos/error-body.js';
export * from './kratos/identity.js';
export * from './message-ids.js';
export * from './message-type.js';
export {
  isMessage,
  messageDataSchemas,
  messageRoutes,
  messageValidator,
  validateMessage,
} from './messages.js';
export type { MessageRoute } from './messages.js';
export * from './notification.js';
export { parsePythonLiteral } from './python-repr.js';
export { requiredKeys, type RequiredKeys } from './required-keys.js';
export { isZeroTime, normalizeTime, sourceTimeMs, storedSourceTime } from './time.js';
export * from './unsubscribe.js';
export * from './unsubscribe-token.js';
export * from './notification-template.js';
