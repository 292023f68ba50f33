import { createHash } from 'node:crypto';

/**
 * The message ids the ingress derives from request headers, computed here too so that a request answered
 * 503 (no id in the body) can still be looked up in the inbox. These mirror `services/ingress/src/ids.ts`
 * and `routes/notifications.ts`; every 2xx answer carries the real id and the ledger checks the two agree,
 * so a drift between the copies fails the run instead of hiding losses.
 */

function uuidFromSha1(hash: Buffer): string {
  hash[6] = (hash[6]! & 0x0f) | 0x50; // version 5
  hash[8] = (hash[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** CloudEvent id of `POST /kratos/sync-identity` with `Ory-Webhook-Trigger-ID: triggerId`. */
export function kratosSyncEventId(triggerId: string): string {
  return uuidFromSha1(createHash('sha1').update(`kratos:sync-identity:${triggerId}`).digest());
}

/** Namespace the ingress uses for notification ids derived from an Idempotency-Key. */
const NOTIFICATION_NAMESPACE = '6f1c2a0e-3b7d-4c1e-9a57-2d8e4b6f0c31';

/** Notification id of `POST /notifications` with `Idempotency-Key: key`. */
export function notificationId(key: string): string {
  const ns = Buffer.from(NOTIFICATION_NAMESPACE.replace(/-/g, ''), 'hex');
  return uuidFromSha1(createHash('sha1').update(ns).update(key, 'utf8').digest());
}
