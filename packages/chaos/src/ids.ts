/**
 * The message ids the ingress derives from request headers, computed here too so that a request answered
 * 503 (no id in the body) can still be looked up in the inbox. Both use the derivations in
 * `@identity-relay/contracts`; every 2xx answer carries the real id and the ledger checks the two agree.
 */
export { idempotentNotificationId as notificationId, kratosSyncEventId } from '@identity-relay/contracts';
